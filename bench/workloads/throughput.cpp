#include "bench/models.hpp"
#include "bench/peers/peers.hpp"
#include "bench/peers/raw_odbc.hpp"
#include "bench/workloads/workloads.hpp"

#include <atomic>
#include <cmath>
#include <functional>
#include <latch>
#include <memory>
#include <random>
#include <stdexcept>
#include <thread>

namespace bench::workloads {
namespace {

// o.pool threads, each with its own connection and prepared statement, for `seconds`.
double raw_threads(const Options& o, const Target& t, std::int64_t accounts, double seconds, int round) {
  std::atomic<std::int64_t> total{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  std::latch ready(o.pool), go(1);  // the clock starts once every thread is connected
  Clock::time_point stop;
  for (int i = 0; i < o.pool; ++i)
    threads.emplace_back([&, i] {
      try {
        std::unique_ptr<raw::Connection> c;
        std::unique_ptr<raw::AccountLookup> lookup;
        std::mt19937_64 rng(1000 + 100 * round + i);
        std::uniform_int_distribution<std::int64_t> pick(1, accounts);
        std::int64_t balance = 0, n = 0;
        try {
          c = std::make_unique<raw::Connection>(t.odbc);
          lookup = std::make_unique<raw::AccountLookup>(*c);
          lookup->find(pick(rng), balance);
        } catch (...) {
          ready.count_down();
          throw;
        }
        ready.count_down();
        go.wait();
        while (Clock::now() < stop) {
          if (!lookup->find(pick(rng), balance)) throw std::runtime_error("account not found");
          ++n;
        }
        total += n;
      } catch (const std::exception& e) {
        note(std::string("raw ODBC thread: ") + e.what());
        failed = true;
      }
    });
  ready.wait();
  auto t0 = Clock::now();
  stop = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  go.count_down();
  for (auto& th : threads) th.join();
  double elapsed = micros_since(t0) / 1e6;  // the last lookups end after `stop`
  if (failed) throw std::runtime_error("raw ODBC throughput failed");
  return static_cast<double>(total) / elapsed;
}

// o.fibers fibers on this thread calling Account::find through a pool of o.pool, for
// `seconds`; returns the rate.
double grant_fibers(const Options& o, std::int64_t accounts, double seconds, int round) {
  std::int64_t total = 0;
  std::exception_ptr error;
  auto run = [&](double secs, bool count) {
    grant::fiber::WaitGroup group(o.fibers);
    auto stop = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secs));
    for (int i = 0; i < o.fibers; ++i)
      grant::fiber::spawn([&, i] {
        std::mt19937_64 rng(100000 + 10000 * round + i);
        std::uniform_int_distribution<std::int64_t> pick(1, accounts);
        try {
          while (Clock::now() < stop) {
            if (!Account::find(pick(rng))) throw std::runtime_error("account not found");
            if (count) ++total;
          }
        } catch (...) {
          error = std::current_exception();
        }
        group.done();
      }).detach();
    group.wait();
  };
  if (round == 0) run(std::min(1.0, seconds / 2), false);  // warm-up: open the pool, prepare everywhere
  auto t0 = Clock::now();
  run(seconds, true);
  double elapsed = micros_since(t0) / 1e6;  // the last round of finds ends after `stop`
  if (error) std::rethrow_exception(error);
  return static_cast<double>(total) / elapsed;
}

}  // namespace

void throughput(const Options& o, const Target& t) {
  const std::int64_t accounts = 100000LL * o.pgbench_scales.at(0);  // the parent passes one scale
  // The time is cut into slices of about 2 s and the subjects take turns slice by slice, so
  // that a change in machine load during the run hits all of them alike.
  const int total = std::max(1, static_cast<int>(std::lround(o.seconds)));
  const int slices = total >= 4 ? total / 2 : 1;
  const int slice = std::max(1, static_cast<int>(std::lround(static_cast<double>(total) / slices)));
  const std::string kase = "accounts=" + std::to_string(accounts) + " pool=" + std::to_string(o.pool);
  // --subject (for profiling) keeps the subjects whose name starts with one of its values.
  auto wanted = [&](const std::string& name) {
    if (o.subjects.empty()) return true;
    for (const auto& s : o.subjects)
      if (name.rfind(s, 0) == 0) return true;
    return false;
  };
  struct Subject {
    std::string name;
    std::function<double(int)> run;  ///< one slice; returns its rate
    double sum = 0;
  };
  std::vector<Subject> subjects;
  if (t.pg())
    subjects.push_back({"pgbench -S -M prepared -c " + std::to_string(o.pool) + " -j 2",
                        [&](int) { return peers::pgbench_select(o, o.pool, 2, slice); }});
  subjects.push_back({"raw ODBC, " + std::to_string(o.pool) + " threads",
                      [&](int round) { return raw_threads(o, t, accounts, slice, round); }});
  subjects.push_back({"Grant find(), " + std::to_string(o.fibers) + " fibers",
                      [&](int round) { return grant_fibers(o, accounts, slice, round); }});
  std::erase_if(subjects, [&](const Subject& s) { return !wanted(s.name); });

  // Grant's pool stays open (idle) while the others run, as an application's would.
  grant::Runtime runtime{runtime_config(t.odbc, static_cast<std::size_t>(o.pool))};
  for (int r = 0; r < slices; ++r)
    for (std::size_t k = 0; k < subjects.size(); ++k) {
      Subject& s = subjects[(k + static_cast<std::size_t>(r)) % subjects.size()];
      s.sum += s.run(r);
    }
  for (const auto& s : subjects) emit({t.backend, "throughput", kase, s.name, "rate", s.sum / slices, "ops/s"});
}

}  // namespace bench::workloads
