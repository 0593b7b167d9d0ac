// Counters, statement hooks and the debug log of statements and jobs, shared by every pool
// of one runtime. Internal to the library.
//
// Thread safety: every member may be called from any thread at once (atomics, and a
// copy-on-write hook list so a hook may add or remove hooks without deadlocking).
#pragma once

#include <grant/runtime.hpp>

#include <spdlog/logger.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace grant::detail {

class Instruments {
 public:
  explicit Instruments(std::shared_ptr<spdlog::logger> logger);

  /// Counters (Runtime::metrics()).
  std::atomic<std::uint64_t> ops_started{0}, ops_completed{0}, ops_failed{0}, statements{0};
  Metrics metrics() const;

  std::size_t add_hook(std::function<void(const StatementEvent&)> hook);
  void remove_hook(std::size_t id);

  /// After every statement (on the worker thread): counts, runs the hooks, logs at debug.
  /// A hook that throws is logged and otherwise ignored: it must not fail the statement.
  void statement(const StatementEvent& event);

  /// Counts a finished job (ops_completed or ops_failed).
  void count_job(bool ok) noexcept { (ok ? ops_completed : ops_failed).fetch_add(1, std::memory_order_relaxed); }
  /// After every job: logs (debug) shard, async flag, queue wait and run time.
  void job_done(const std::string& shard, bool async, std::chrono::microseconds queue_wait,
                std::chrono::microseconds run_time, bool ok);

  /// Fails `op` with `error` and counts it.
  void fail_operation(const std::string& shard, Operation& op, std::exception_ptr error) noexcept;

  spdlog::logger& log() { return *logger_; }
  bool debug_enabled() const { return logger_->should_log(spdlog::level::debug); }

 private:
  using Hooks = std::vector<std::pair<std::size_t, std::function<void(const StatementEvent&)>>>;
  std::shared_ptr<spdlog::logger> logger_;
  std::mutex hooks_mutex_;
  std::shared_ptr<const Hooks> hooks_;
  std::atomic<bool> have_hooks_{false};
  std::size_t next_hook_id_ = 1;
};

}  // namespace grant::detail
