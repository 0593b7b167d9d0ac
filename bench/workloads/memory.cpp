#include "bench/models.hpp"
#include "bench/workloads/workloads.hpp"

#include <future>
#include <stdexcept>

namespace bench::workloads {

void memory(const Options& o, const Target& t) {
  grant::Runtime runtime{runtime_config(t.odbc, static_cast<std::size_t>(o.pool))};
  grant::Shard shard = runtime.shard("primary");
  const auto ids = random_ids(static_cast<std::size_t>(o.pending), o.rows, 99);

  // Warm-up: every pool connection open and its lookup statement prepared.
  {
    std::vector<grant::AsyncResult<std::optional<BenchUser>>> warm;
    for (int i = 0; i < o.pool * 20; ++i) warm.push_back(BenchUser::async_find(ids[i % ids.size()]));
    for (auto& w : warm) w.await();
  }

  // Hold every connection in a job that waits on a gate, so that all the finds issued next
  // stay pending at once (queued) until the gate opens. The gate blocks driver worker
  // threads only, never a fiber.
  std::promise<void> open;
  std::shared_future<void> gate = open.get_future().share();
  std::vector<grant::AsyncResult<int>> holders;
  for (int i = 0; i < o.pool; ++i) holders.push_back(shard.run([gate](grant::Connection&) {
    gate.wait();
    return 0;
  }));
  for (int spins = 0; shard.pool_stats().busy < static_cast<std::size_t>(o.pool); ++spins) {
    if (spins > 10000) throw std::runtime_error("memory: the pool never became busy");
    grant::fiber::sleep(std::chrono::milliseconds(1));
  }

  const std::int64_t before_kb = status_kb("VmRSS");
  std::vector<grant::AsyncResult<std::optional<BenchUser>>> pending;
  pending.reserve(ids.size());
  for (auto id : ids) pending.push_back(BenchUser::async_find(id));
  const std::int64_t pending_kb = status_kb("VmRSS");
  const std::size_t queued = shard.pool_stats().queued;

  open.set_value();
  std::int64_t found = 0;
  for (auto& p : pending) found += p.await().has_value();
  for (auto& h : holders) h.await();
  if (found != static_cast<std::int64_t>(ids.size())) throw std::runtime_error("memory: some finds found nothing");
  const std::int64_t peak_kb = status_kb("VmHWM");

  const std::string kase = "pending=" + std::to_string(o.pending);
  const std::string subject = "Grant async_find";
  emit({t.backend, "memory", kase, subject, "queued at once", static_cast<double>(queued), "ops"});
  emit({t.backend, "memory", kase, subject, "RSS before", before_kb / 1024.0, "MB"});
  emit({t.backend, "memory", kase, subject, "per pending op",
        (pending_kb - before_kb) * 1024.0 / static_cast<double>(ids.size()), "bytes"});
  emit({t.backend, "memory", kase, subject, "peak RSS", peak_kb / 1024.0, "MB"});
}

}  // namespace bench::workloads
