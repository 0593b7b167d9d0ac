#include "bench/models.hpp"
#include "bench/peers/raw_odbc.hpp"
#include "bench/workloads/workloads.hpp"

#include <algorithm>
#include <atomic>
#include <latch>
#include <memory>
#include <thread>
#include <stdexcept>

namespace bench::workloads {
namespace {

// N sleeps at once through a Coordinator; returns the wall time in ms.
double coordinated(const grant::Shard& shard, int n, double seconds) {
  auto t0 = Clock::now();
  grant::async::Coordinator coordinator;
  for (int i = 0; i < n; ++i) coordinator.add(shard.async_query("SELECT pg_sleep(?)", {seconds}));
  coordinator.await_all();
  double ms = micros_since(t0) / 1000;
  for (const auto& e : coordinator.errors())
    if (e) std::rethrow_exception(e);
  return ms;
}

// The same N sleeps on N raw ODBC connections, one thread each, all released at once: what
// the machine and driver allow without Grant. Returns the wall time in ms.
double raw_threads(std::vector<std::unique_ptr<bench::raw::Connection>>& connections, int n, double seconds) {
  std::latch start(1), done(n);
  std::atomic<bool> failed{false};
  std::vector<std::thread> threads;
  const std::string sql = "SELECT pg_sleep(" + std::to_string(seconds) + ")";
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      start.wait();
      try {
        connections[static_cast<std::size_t>(i)]->exec(sql);
      } catch (const std::exception& e) {
        note(std::string("raw fan-out: ") + e.what());
        failed = true;
      }
      done.count_down();
    });
  auto t0 = Clock::now();
  start.count_down();
  done.wait();
  double ms = micros_since(t0) / 1000;
  for (auto& t : threads) t.join();
  if (failed) throw std::runtime_error("raw ODBC fan-out failed");
  return ms;
}

}  // namespace

void fanout(const Options& o, const Target& t) {
  if (!t.pg()) throw std::runtime_error("fan-out uses pg_sleep: PostgreSQL only");
  const int widest = *std::max_element(o.fanout.begin(), o.fanout.end());
  const int pool = std::max(widest, o.pool);
  const double seconds = o.sleep_ms / 1000.0;
  const int repeats = std::max(1, o.fanout_repeats);

  // Raw ODBC's connections and Grant's pool are both open the whole time (the server needs
  // max_connections >= 2 x the largest N; tools/bench starts it so), and the two take turns
  // run by run, so that a change in machine load hits both alike.
  std::vector<std::unique_ptr<raw::Connection>> connections;
  for (int i = 0; i < widest; ++i) connections.push_back(std::make_unique<raw::Connection>(t.odbc));
  raw_threads(connections, widest, 0.01);
  grant::Runtime runtime{runtime_config(t.odbc, static_cast<std::size_t>(pool))};
  grant::Shard shard = runtime.shard("primary");
  // Open every pool connection first: the goal is about queries, not about connecting.
  coordinated(shard, pool, 0.01);
  coordinated(shard, pool, 0.01);

  for (int n : o.fanout) {
    const std::string kase = "N=" + std::to_string(n) + " pool=" + std::to_string(pool);
    emit({t.backend, "fanout", kase, "L (pg_sleep per query)", "total", static_cast<double>(o.sleep_ms), "ms"});
    std::vector<double> raw_runs, grant_runs;
    for (int r = 0; r < repeats; ++r) {
      raw_runs.push_back(raw_threads(connections, n, seconds));
      grant_runs.push_back(coordinated(shard, n, seconds));
    }
    emit({t.backend, "fanout", kase, "raw ODBC, N threads at once", "total", percentile(raw_runs, 0.5), "ms"});
    emit({t.backend, "fanout", kase, "Coordinator of async_query", "total", percentile(grant_runs, 0.5), "ms"});
    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) shard.query("SELECT pg_sleep(?)", {seconds});
    emit({t.backend, "fanout", kase, "sequential Shard::query", "total", micros_since(t0) / 1000, "ms"});
  }
}

}  // namespace bench::workloads
