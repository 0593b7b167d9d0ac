#include "bench/models.hpp"
#include "bench/peers/peers.hpp"
#include "bench/peers/raw_odbc.hpp"
#include "bench/workloads/workloads.hpp"

#include <atomic>
#include <cmath>
#include <random>
#include <stdexcept>
#include <thread>

namespace bench::workloads {
namespace {

// o.pool threads, each with its own connection and prepared statement, for `seconds`.
double raw_threads(const Options& o, const Target& t, std::int64_t accounts, double seconds) {
  std::atomic<std::int64_t> total{0};
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  auto start = Clock::now() + std::chrono::milliseconds(200);  // every thread connected first
  auto stop = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  for (int i = 0; i < o.pool; ++i)
    threads.emplace_back([&, i] {
      try {
        raw::Connection c(t.odbc);
        raw::AccountLookup lookup(c);
        std::mt19937_64 rng(1000 + i);
        std::uniform_int_distribution<std::int64_t> pick(1, accounts);
        std::int64_t balance = 0, n = 0;
        lookup.find(pick(rng), balance);
        std::this_thread::sleep_until(start);
        while (Clock::now() < stop) {
          if (!lookup.find(pick(rng), balance)) throw std::runtime_error("account not found");
          ++n;
        }
        total += n;
      } catch (const std::exception& e) {
        note(std::string("raw ODBC thread: ") + e.what());
        failed = true;
      }
    });
  for (auto& th : threads) th.join();
  if (failed) throw std::runtime_error("raw ODBC throughput failed");
  return static_cast<double>(total) / seconds;
}

// o.fibers fibers on this thread calling Account::find through a pool of o.pool.
double grant_fibers(const Options& o, std::int64_t accounts, double seconds) {
  std::int64_t total = 0;
  std::exception_ptr error;
  auto run = [&](double secs, bool count) {
    grant::fiber::WaitGroup group(o.fibers);
    auto stop = Clock::now() + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(secs));
    for (int i = 0; i < o.fibers; ++i)
      grant::fiber::spawn([&, i] {
        std::mt19937_64 rng(2000 + i);
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
  run(std::min(1.0, seconds / 5), false);  // warm-up: open the pool, prepare everywhere
  auto t0 = Clock::now();
  run(seconds, true);
  double elapsed = micros_since(t0) / 1e6;  // the last round of finds ends after `stop`
  if (error) std::rethrow_exception(error);
  return static_cast<double>(total) / elapsed;
}

}  // namespace

void throughput(const Options& o, const Target& t) {
  const std::int64_t accounts = 100000LL * o.pgbench_scale;
  const int secs = std::max(1, static_cast<int>(std::lround(o.seconds)));
  const std::string kase = "accounts=" + std::to_string(accounts) + " pool=" + std::to_string(o.pool);
  // --subject (for profiling) keeps the subjects whose name starts with one of its values.
  auto wanted = [&](const std::string& name) {
    if (o.subjects.empty()) return true;
    for (const auto& s : o.subjects)
      if (name.rfind(s, 0) == 0) return true;
    return false;
  };
  const std::string pgbench = "pgbench -S -M prepared -c " + std::to_string(o.pool) + " -j 2";
  if (t.pg() && wanted(pgbench))
    emit({t.backend, "throughput", kase, pgbench, "rate", peers::pgbench_select(o, o.pool, 2, secs), "ops/s"});
  const std::string raw = "raw ODBC, " + std::to_string(o.pool) + " threads";
  if (wanted(raw)) emit({t.backend, "throughput", kase, raw, "rate", raw_threads(o, t, accounts, secs), "ops/s"});
  const std::string grant = "Grant find(), " + std::to_string(o.fibers) + " fibers";
  if (wanted(grant)) {
    grant::Runtime runtime{runtime_config(t.odbc, static_cast<std::size_t>(o.pool))};
    emit({t.backend, "throughput", kase, grant, "rate", grant_fibers(o, accounts, secs), "ops/s"});
  }
}

}  // namespace bench::workloads
