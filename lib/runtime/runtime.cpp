// grant::Runtime, grant::Shard (raw SQL, stats) and detail::dispatch, the router of every
// operation. Where an operation runs, in order:
//  1. The calling fiber has an open transaction on the shard (Shard::transaction): on the
//     transaction's connection, behind the statements issued before it, so it sees the
//     transaction's own writes. Other fibers never see it (fiber_specific_ptr).
//  2. The calling thread is running an operation of that shard (a model callback that
//     queries from inside one): inline, at once, on that operation's connection; queueing
//     it would deadlock a pool of one.
//  3. A synchronous call from a thread that may block (execute.hpp, docs/threading.md):
//     on the calling thread, on a connection it checks out (PoolTimeout after the shard's
//     checkout_timeout). No hand-off.
//  4. Otherwise the shard's FIFO queue: a worker runs it, or the awaiting thread does if it
//     may block and no worker has taken it yet (help()), or PoolTimeout after the shard's
//     checkout_timeout.
#include <grant/errors.hpp>
#include <grant/runtime.hpp>

#include "lib/logging.hpp"
#include "lib/runtime/execute.hpp"
#include "lib/runtime/runtime_impl.hpp"
#include "lib/runtime/transaction.hpp"

#include <boost/algorithm/string/predicate.hpp>

#include <atomic>
#include <clocale>
#include <cstdlib>
#include <cstring>
#include <set>

namespace grant {
namespace {

std::atomic<Runtime*> live_runtime{nullptr};
std::atomic<detail::RuntimeImpl*> live_impl{nullptr};

bool is_utf8(const char* locale) {
  if (!locale) return false;
  return boost::algorithm::icontains(locale, "utf-8") || boost::algorithm::icontains(locale, "utf8");
}

// unixODBC converts between narrow and wide text by the process locale, and psqlODBC's wide
// path fails on non-ASCII text in the "C" locale (docs/drivers.md).
void ensure_utf8_locale(spdlog::logger& log) {
  if (is_utf8(std::setlocale(LC_CTYPE, nullptr))) return;
  if (!std::setlocale(LC_CTYPE, "C.UTF-8"))
    log.warn("cannot set LC_CTYPE to C.UTF-8; non-ASCII text may not survive the ODBC drivers");
}

void validate(const Config& config) {
  auto fail = [](const std::string& key, const std::string& what) { throw ConfigError("config: " + key + ": " + what); };
  if (config.pool_size == 0) fail("pool_size", "must be at least 1");
  if (config.checkout_timeout.count() <= 0) fail("checkout_timeout", "must be positive");
  if (config.query_timeout.count() < 0) fail("query_timeout", "must not be negative");
  if (config.connect_timeout.count() < 0) fail("connect_timeout", "must not be negative");
  if (config.validate_idle.count() < 0) fail("validate_idle", "must not be negative");
  if (config.idle_timeout.count() < 0) fail("idle_timeout", "must not be negative");
  if (!detail::valid_log_level(config.log_level)) fail("log_level", "unknown level \"" + config.log_level + "\"");
  std::set<std::string> names;
  for (const auto& s : config.shards) {
    const std::string key = "shard \"" + s.name + "\"";
    if (s.name.empty()) fail("shard", "empty name");
    if (!names.insert(s.name).second) fail(key, "defined twice");
    if (s.connection.empty()) fail(key + " connection", "missing or empty");
    if (s.pool_size && *s.pool_size == 0) fail(key + " pool_size", "must be at least 1");
    if (s.checkout_timeout && s.checkout_timeout->count() <= 0) fail(key + " checkout_timeout", "must be positive");
  }
}

}  // namespace

namespace detail {

RuntimeImpl::RuntimeImpl(Config c) : RuntimeImpl(std::move(c), grant_logger()) {}

RuntimeImpl::RuntimeImpl(Config c, GrantLogger log) : config(std::move(c)), logger(log.logger), instruments(logger) {
  std::string level = config.log_level;
  if (const char* env = std::getenv("GRANT_LOG_LEVEL"); env && *env) {
    if (!valid_log_level(env)) throw ConfigError("environment: GRANT_LOG_LEVEL: unknown level \"" + std::string(env) + "\"");
    level = env;
  }
  if (!log.application_owned) logger->set_level(parse_log_level(level));
  for (const auto& s : config.shards) {
    PoolSettings settings;
    settings.shard = s.name;
    settings.connection = s.connection;
    settings.size = s.pool_size.value_or(config.pool_size);
    settings.checkout_timeout = s.checkout_timeout.value_or(config.checkout_timeout);
    settings.query_timeout = config.query_timeout;
    settings.connect_timeout = config.connect_timeout;
    settings.log_parameters = config.log_parameters;
    settings.validate_idle = config.validate_idle;
    settings.idle_timeout = config.idle_timeout;
    shards.push_back(std::make_unique<ShardImpl>(s.name, std::move(settings), instruments));
  }
}

ShardImpl* RuntimeImpl::find(std::string_view name) const noexcept {
  for (const auto& s : shards)
    if (s->name == name) return s.get();
  return nullptr;
}

std::vector<std::string> RuntimeImpl::names() const {
  std::vector<std::string> out;
  for (const auto& s : shards) out.push_back(s->name);
  return out;
}

RuntimeImpl* current_runtime() noexcept { return live_impl.load(std::memory_order_acquire); }

namespace {

// Rule 3, and a stolen operation: check out a slot on this thread and run `op` here.
void run_here(ShardImpl& shard, Operation& op, Clock::time_point since) noexcept {
  Pool& pool = shard.pool;
  Slot* slot = nullptr;
  try {
    slot = &pool.checkout(since);
  } catch (...) {
    pool.instruments().fail_operation(shard.name, op, std::current_exception());
    return;
  }
  execute(pool, *slot, op, std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - since));
  pool.checkin(*slot);
}

}  // namespace

void dispatch(std::string_view shard, const std::shared_ptr<Operation>& op) noexcept {
  RuntimeImpl* runtime = current_runtime();
  if (!runtime) {
    op->claimed.store(true, std::memory_order_relaxed);
    try {
      op->fail(std::make_exception_ptr(Error("grant: no grant::Runtime is alive (shard \"" + std::string(shard) + "\")")));
    } catch (...) {
    }
    return;
  }
  Instruments& in = runtime->instruments;
  in.ops_started.fetch_add(1, std::memory_order_relaxed);
  try {
    ShardImpl* s = runtime->find(shard);
    if (!s) {
      op->claimed.store(true, std::memory_order_relaxed);
      in.fail_operation(std::string(shard), *op, std::make_exception_ptr(UnknownShard(std::string(shard), runtime->names())));
      return;
    }
    if (TxEntry* tx = current_transaction(s)) {
      run_in_transaction(*tx, op);
      return;
    }
    if (Slot* slot = running_for(s->pool)) {
      op->claimed.store(true, std::memory_order_relaxed);
      execute(s->pool, *slot, *op, std::chrono::microseconds{0});
      return;
    }
    if (!op->async && may_block()) {
      op->claimed.store(true, std::memory_order_relaxed);
      run_here(*s, *op, Clock::now());
      return;
    }
    op->queued_on = s;
    s->pool.enqueue(op);
  } catch (...) {
    if (!op->claimed.exchange(true)) in.fail_operation(std::string(shard), *op, std::current_exception());
  }
}

void help(void* operation) noexcept {
  auto* op = static_cast<Operation*>(operation);
  if (!op->queued_on || op->claimed.load(std::memory_order_acquire) || !may_block()) return;
  if (op->claimed.exchange(true, std::memory_order_acq_rel)) return;  // a worker (or the reaper) has it
  run_here(*op->queued_on, *op, op->queued_at);
}

}  // namespace detail

// ---- Runtime -----------------------------------------------------------------------------

Runtime::Runtime(Config config) {
  if (exists()) throw Error("grant::Runtime: another Runtime is alive; construct one per process");
  validate(config);
  impl_ = std::make_unique<detail::RuntimeImpl>(std::move(config));
  ensure_utf8_locale(*impl_->logger);
  Runtime* expected = nullptr;
  if (!live_runtime.compare_exchange_strong(expected, this))
    throw Error("grant::Runtime: another Runtime is alive; construct one per process");
  live_impl.store(impl_.get(), std::memory_order_release);
  impl_->logger->info("grant runtime started with {} shard(s)", impl_->shards.size());
}

Runtime::~Runtime() {
  // Drain while still current, so jobs that queue follow-up work on another shard work.
  for (auto& s : impl_->shards) s->pool.stop();
  live_impl.store(nullptr, std::memory_order_release);
  live_runtime.store(nullptr, std::memory_order_release);
  auto m = impl_->instruments.metrics();
  impl_->logger->info("grant runtime stopped: {} ops ({} completed, {} failed), {} statements", m.ops_started,
                      m.ops_completed, m.ops_failed, m.statements);
}

Runtime& Runtime::current() {
  Runtime* r = live_runtime.load(std::memory_order_acquire);
  if (!r) throw Error("grant::Runtime::current(): no Runtime is alive");
  return *r;
}

bool Runtime::exists() noexcept { return live_runtime.load(std::memory_order_acquire) != nullptr; }

Shard Runtime::shard(std::string_view name) const {
  detail::ShardImpl* s = impl_->find(name);
  if (!s) throw UnknownShard(std::string(name), impl_->names());
  return Shard{s};
}

std::vector<std::string> Runtime::shard_names() const { return impl_->names(); }

const Config& Runtime::config() const { return impl_->config; }

Metrics Runtime::metrics() const { return impl_->instruments.metrics(); }

std::size_t Runtime::add_statement_hook(std::function<void(const StatementEvent&)> hook) {
  return impl_->instruments.add_hook(std::move(hook));
}

void Runtime::remove_statement_hook(std::size_t id) { impl_->instruments.remove_hook(id); }

// ---- Shard -------------------------------------------------------------------------------

const std::string& Shard::name() const { return impl_->name; }

PoolStats Shard::pool_stats() const { return impl_->pool.stats(); }

Rows Shard::query(std::string sql, std::vector<Value> params) const {
  Statement statement{std::move(sql), std::move(params)};
  return run([statement](Connection& c) { return c.query(statement); }, false).await();
}

std::int64_t Shard::exec(std::string sql, std::vector<Value> params) const {
  Statement statement{std::move(sql), std::move(params)};
  return run([statement](Connection& c) { return c.exec(statement); }, false).await();
}

AsyncResult<Rows> Shard::async_query(std::string sql, std::vector<Value> params) const {
  Statement statement{std::move(sql), std::move(params)};
  return run([statement](Connection& c) { return c.query(statement); }, true);
}

AsyncResult<std::int64_t> Shard::async_exec(std::string sql, std::vector<Value> params) const {
  Statement statement{std::move(sql), std::move(params)};
  return run([statement](Connection& c) { return c.exec(statement); }, true);
}

}  // namespace grant
