#include "bench/models.hpp"
#include "bench/peers/peers.hpp"
#include "bench/peers/raw_odbc.hpp"
#include "bench/workloads/threads.hpp"
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

// One raw ODBC client thread's state: its connection, then the statement on it.
struct RawClient {
  raw::Connection connection;
  raw::AccountLookup lookup;
  std::mt19937_64 rng;
  std::uniform_int_distribution<std::int64_t> pick;
  RawClient(const std::string& odbc, std::int64_t accounts, std::uint64_t seed)
      : connection(odbc), lookup(connection), rng(seed), pick(1, accounts) {}
  void op() {
    std::int64_t balance = 0;
    if (!lookup.find(pick(rng), balance)) throw std::runtime_error("account not found");
  }
};

// o.pool threads, each with its own connection and prepared statement, for `seconds`.
Rate raw_threads(const Options& o, const Target& t, std::int64_t accounts, double seconds, int round) {
  return run_threads(
      o.pool, seconds,
      [&](int i) -> Operation {
        auto client = std::make_shared<RawClient>(t.odbc, accounts, 1000 + 100 * round + i);
        client->op();  // prepared and the first page read before the clock
        return [client] { client->op(); };
      },
      "raw ODBC");
}

// o.fibers fibers on this thread calling Account::find through a pool of o.pool, for
// `seconds`; returns the rate.
Rate grant_fibers(const Options& o, std::int64_t accounts, double seconds, int round) {
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
  const double cpu0 = process_cpu_micros();
  auto t0 = Clock::now();
  run(seconds, true);
  double elapsed = micros_since(t0) / 1e6;  // the last round of finds ends after `stop`
  const double cpu = process_cpu_micros() - cpu0;
  if (error) std::rethrow_exception(error);
  if (total == 0) throw std::runtime_error("Grant fibers: no find finished");
  return {static_cast<double>(total) / elapsed, cpu / static_cast<double>(total)};
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
    std::function<Rate(int)> run;  ///< one slice
    double sum = 0, cpu = 0;
  };
  std::vector<Subject> subjects;
  if (t.pg())
    subjects.push_back({"pgbench -S -M prepared -c " + std::to_string(o.pool) + " -j 2",
                        [&](int) {
                          // pgbench's CPU: its process, counted once it has been waited for.
                          const double cpu0 = children_cpu_micros();
                          const double tps = peers::pgbench_select(o, o.pool, 2, slice);
                          return Rate{tps, (children_cpu_micros() - cpu0) / (tps * slice)};
                        }});
  subjects.push_back({"raw ODBC, " + std::to_string(o.pool) + " threads",
                      [&](int round) { return raw_threads(o, t, accounts, slice, round); }});
  subjects.push_back({"Grant find(), " + std::to_string(o.fibers) + " fibers",
                      [&](int round) { return grant_fibers(o, accounts, slice, round); }});
  std::erase_if(subjects, [&](const Subject& s) { return !wanted(s.name); });

  // Grant's pool stays open (idle) while the others run, as an application's would.
  grant::Runtime runtime{runtime_config(t.odbc, static_cast<std::size_t>(o.pool))};
  Progress progress("throughput on " + t.backend + ", " + kase, static_cast<double>(slices));
  for (int r = 0; r < slices; ++r) {
    for (std::size_t k = 0; k < subjects.size(); ++k) {
      Subject& s = subjects[(k + static_cast<std::size_t>(r)) % subjects.size()];
      Rate rate = s.run(r);
      s.sum += rate.ops_per_second;
      s.cpu += rate.cpu_per_op;
    }
    progress.update(r + 1);
  }
  for (const auto& s : subjects) {
    emit({t.backend, "throughput", kase, s.name, "rate", s.sum / slices, "ops/s"});
    emit({t.backend, "throughput", kase, s.name, "client CPU", s.cpu / slices, "us/op"});
  }
}

}  // namespace bench::workloads
