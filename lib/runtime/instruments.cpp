#include "lib/runtime/instruments.hpp"

#include <grant/errors.hpp>

namespace grant::detail {

Instruments::Instruments(std::shared_ptr<spdlog::logger> logger)
    : logger_(std::move(logger)), hooks_(std::make_shared<const Hooks>()) {}

Metrics Instruments::metrics() const {
  Metrics m;
  m.ops_started = ops_started.load();
  m.ops_completed = ops_completed.load();
  m.ops_failed = ops_failed.load();
  m.statements = statements.load();
  return m;
}

std::size_t Instruments::add_hook(std::function<void(const StatementEvent&)> hook) {
  std::lock_guard lock(hooks_mutex_);
  auto next = std::make_shared<Hooks>(*hooks_);
  std::size_t id = next_hook_id_++;
  next->emplace_back(id, std::move(hook));
  hooks_ = std::move(next);
  have_hooks_.store(true, std::memory_order_release);
  return id;
}

void Instruments::remove_hook(std::size_t id) {
  std::lock_guard lock(hooks_mutex_);
  auto next = std::make_shared<Hooks>(*hooks_);
  std::erase_if(*next, [id](const auto& entry) { return entry.first == id; });
  have_hooks_.store(!next->empty(), std::memory_order_release);
  hooks_ = std::move(next);
}

void Instruments::statement(const StatementEvent& event) {
  statements.fetch_add(1, std::memory_order_relaxed);
  if (have_hooks_.load(std::memory_order_acquire)) {
    std::shared_ptr<const Hooks> hooks;
    {
      std::lock_guard lock(hooks_mutex_);
      hooks = hooks_;
    }
    for (const auto& [id, hook] : *hooks) {
      try {
        hook(event);
      } catch (const std::exception& e) {
        logger_->warn("statement hook {} threw: {}", id, e.what());
      } catch (...) {
        logger_->warn("statement hook {} threw a non-standard exception", id);
      }
    }
  }
  if (debug_enabled()) {
    logger_->debug("[{}] {} {}us rows={} async={} wait={}us: {}{}{}", event.shard, event.ok ? "ok" : "FAILED",
                   event.duration.count(), event.rows, event.async, event.queue_wait.count(), event.sql,
                   event.parameters.empty() ? "" : " -- params: ", event.parameters);
  }
}

void Instruments::job_done(const std::string& shard, bool async, std::chrono::microseconds queue_wait,
                           std::chrono::microseconds run_time, bool ok) {
  if (debug_enabled()) {
    logger_->debug("[{}] job {} async={} wait={}us run={}us", shard, ok ? "done" : "failed", async,
                   queue_wait.count(), run_time.count());
  }
}

void Instruments::fail_operation(const std::string& shard, Operation& op, std::exception_ptr error) noexcept {
  ops_failed.fetch_add(1, std::memory_order_relaxed);
  if (debug_enabled()) {
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      logger_->debug("[{}] operation not run: {}", shard, e.what());
    } catch (...) {
    }
  }
  op.fail(std::move(error));
}

}  // namespace grant::detail
