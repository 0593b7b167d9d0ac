#include "bench/models.hpp"
#include "bench/workloads/workloads.hpp"

#include <algorithm>
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

}  // namespace

void fanout(const Options& o, const Target& t) {
  if (!t.pg()) throw std::runtime_error("fan-out uses pg_sleep: PostgreSQL only");
  int widest = *std::max_element(o.fanout.begin(), o.fanout.end());
  const int pool = std::max(widest, o.pool);
  grant::Runtime runtime{runtime_config(t.odbc, static_cast<std::size_t>(pool))};
  grant::Shard shard = runtime.shard("primary");
  const double seconds = o.sleep_ms / 1000.0;

  // Open every connection first: the goal is about queries, not about connecting.
  coordinated(shard, pool, 0.01);
  coordinated(shard, pool, 0.01);

  for (int n : o.fanout) {
    const std::string kase = "N=" + std::to_string(n) + " pool=" + std::to_string(pool);
    emit({t.backend, "fanout", kase, "L (pg_sleep per query)", "total", static_cast<double>(o.sleep_ms), "ms"});

    auto t0 = Clock::now();
    for (int i = 0; i < n; ++i) shard.query("SELECT pg_sleep(?)", {seconds});
    emit({t.backend, "fanout", kase, "sequential Shard::query", "total", micros_since(t0) / 1000, "ms"});

    std::vector<double> runs;
    for (int r = 0; r < std::max(1, o.fanout_repeats); ++r) runs.push_back(coordinated(shard, n, seconds));
    emit({t.backend, "fanout", kase, "Coordinator of async_query", "total", percentile(runs, 0.5), "ms"});
  }
}

}  // namespace bench::workloads
