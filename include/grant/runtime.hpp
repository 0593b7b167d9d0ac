// grant::Runtime and grant::Shard — the process-wide owner of shards, their connection pools
// and logging, and the one door through which every statement reaches a database.
//
// Every operation, sync or async, ORM or raw SQL, is a function of grant::Connection& run
// on a pooled connection of one shard. Where it runs (docs/runtime.md, "Where a statement
// runs"): a synchronous call from a thread that may block (docs/threading.md) checks out a
// connection and runs on the calling thread; an async_* call, or any call from a fiber
// whose thread has other fibers, is handed to one of the shard's worker threads.
//
// Thread and fiber safety: Runtime and Shard may be used from any thread and fiber at once.
// Construct exactly one Runtime per process, before any fiber uses the library, and
// destroy it after every fiber is done with it.
#pragma once

#include <grant/async/async_result.hpp>
#include <grant/config.hpp>
#include <grant/connection.hpp>
#include <grant/value.hpp>

#include <chrono>
#include <cstdint>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <atomic>
#include <string>
#include <string_view>
#include <thread>
#include <type_traits>
#include <vector>

namespace grant {

/// What the statement hook sees for every statement run (and what the debug log prints).
struct StatementEvent {
  std::string shard;
  std::string sql;
  /// The bound values as text, e.g. `[42, 'x']`, when Config::log_parameters is on; else empty.
  std::string parameters;
  std::int64_t rows = 0;                      ///< rows returned or affected
  std::chrono::microseconds duration{0};      ///< time inside the driver
  std::chrono::microseconds queue_wait{0};    ///< time the job waited for a connection
  bool async = false;                         ///< issued through an async_* call
  bool ok = true;                             ///< false if the statement failed
  std::thread::id thread;                     ///< the thread that ran it (the caller's, for a sync call that ran there)
};

/// Counters since the runtime started.
struct Metrics {
  std::uint64_t ops_started = 0;    ///< jobs submitted
  std::uint64_t ops_completed = 0;  ///< jobs that returned a value
  std::uint64_t ops_failed = 0;     ///< jobs that ended with an error
  std::uint64_t statements = 0;     ///< SQL statements sent
};

/// A pool's current state.
struct PoolStats {
  std::size_t size = 0;          ///< configured maximum connections
  std::size_t open = 0;          ///< connections open now
  std::size_t busy = 0;          ///< connections running a job or leased
  std::size_t queued = 0;        ///< jobs waiting for a connection
  std::size_t max_open_seen = 0; ///< high-water mark of `open`
  std::size_t waiting = 0;       ///< threads blocked in a checkout (sync calls that run on their own thread)
  std::size_t idle = 0;          ///< open connections not checked out
  std::size_t failures_in_row = 0; ///< consecutive connection failures (connect errors, broken connections); 0 after a success
  std::size_t replaced = 0;      ///< broken or expired connections closed so far
  std::string last_error;        ///< the last connection failure's message (password masked), empty if none
};

namespace detail {
class ShardImpl;
class RuntimeImpl;

/// One Shard::run_on call in flight: the function, its result and its promise in one
/// allocation. Opaque to users; only the runtime (lib/runtime/) calls these members. Whoever
/// first sets `claimed` (a worker, the awaiting thread, the pool's time-out reaper) either
/// runs it (run() then settle()) or fails it; nobody else touches it.
class Operation {
 public:
  virtual ~Operation() = default;
  /// Runs the function and keeps its value; returns its error (null on success). The
  /// promise is settled only by settle(), after the runtime has counted the outcome.
  virtual std::exception_ptr run(Connection& connection) noexcept = 0;
  virtual void settle() noexcept = 0;
  /// Settles the promise with `error` without running the function.
  virtual void fail(std::exception_ptr error) noexcept = 0;

  bool async = false;
  std::atomic<bool> claimed{false};
  ShardImpl* queued_on = nullptr;  ///< set while it waits in a pool queue (an awaiter may take it)
  std::chrono::steady_clock::time_point queued_at{};
};

template <class T, class F>
class OperationFor final : public Operation {
 public:
  OperationFor(F fn, Promise<T> promise) : fn_(std::move(fn)), promise_(std::move(promise)) {}
  std::exception_ptr run(Connection& connection) noexcept override {
    try {
      value_.emplace(fn_(connection));
      return nullptr;
    } catch (...) {
      error_ = std::current_exception();
      return error_;
    }
  }
  void settle() noexcept override {
    if (!promise_) return;
    if (error_ || !value_) {
      promise_->reject(error_);
    } else {
      promise_->resolve(std::move(*value_));
    }
    promise_.reset();  // the promise's helper points back here: no cycle once settled
  }
  void fail(std::exception_ptr error) noexcept override {
    if (!promise_) return;
    promise_->reject(std::move(error));
    promise_.reset();
  }

 private:
  F fn_;
  std::optional<Promise<T>> promise_;
  std::optional<T> value_;
  std::exception_ptr error_;
};

/// Hands `op` to the runtime (lib/runtime/runtime.cpp has the routing rules). Never
/// throws: every failure settles the op's promise.
void dispatch(std::string_view shard, const std::shared_ptr<Operation>& op) noexcept;

/// Promise helper of a dispatched op: when the op still waits in a pool queue and the
/// awaiting thread may block, claims it and runs it on that thread.
void help(void* operation) noexcept;
}  // namespace detail

/// One named database: its pool and its raw SQL interface. Obtained from Runtime::shard().
class Shard {
 public:
  explicit Shard(detail::ShardImpl* impl) : impl_(impl) {}
  const std::string& name() const;

  /// Runs `fn(Connection&)` on a pooled connection of this shard and returns its result.
  /// With async = false and a caller that may block (docs/threading.md) it runs on the
  /// calling thread before run() returns; otherwise on a worker, started at once. Never
  /// throws at the call site: every error is delivered by await().
  template <class F>
  auto run(F fn, bool async = true) const -> AsyncResult<std::decay_t<std::invoke_result_t<F&, Connection&>>> {
    return run_on(name(), std::move(fn), async);
  }

  /// Raw SQL, the escape hatch: '?' placeholders, values bound as parameters.
  Rows query(std::string sql, std::vector<Value> params = {}) const;
  std::int64_t exec(std::string sql, std::vector<Value> params = {}) const;
  AsyncResult<Rows> async_query(std::string sql, std::vector<Value> params = {}) const;
  AsyncResult<std::int64_t> async_exec(std::string sql, std::vector<Value> params = {}) const;

  /// Runs `fn()` inside a transaction on one connection of this shard: commit on return,
  /// rollback and rethrow on an exception, rollback and swallow on grant::Rollback. Nested
  /// calls in the same fiber become savepoints (an inner Rollback or exception undoes only
  /// the inner part). Every statement of this fiber on this shard inside `fn` (sync or
  /// async, awaited or not) runs on the transaction's connection, in issue order, before
  /// the COMMIT. The context belongs to the calling fiber: fibers spawned inside `fn` are
  /// outside the transaction. Called from inside a job of this shard, it runs on that job's
  /// connection.
  ///
  /// Failure rule: a statement that fails inside the transaction marks it failed even if
  /// `fn` catches the error; a failed transaction rolls back at the end and throws the
  /// first error (rolling back to a savepoint clears failures inside it). A connection lost
  /// inside is never replayed: the transaction throws ConnectionLost.
  /// Throws PoolTimeout if no connection frees up within checkout_timeout.
  void transaction(const std::function<void()>& fn) const;

  PoolStats pool_stats() const;

  /// As run(), for a shard given by name (resolved when the job is submitted: an unknown
  /// name becomes an UnknownShard error at await()).
  template <class F>
  static auto run_on(std::string_view shard, F fn, bool async = true)
      -> AsyncResult<std::decay_t<std::invoke_result_t<F&, Connection&>>> {
    using T = std::decay_t<std::invoke_result_t<F&, Connection&>>;
    Promise<T> promise;
    std::shared_ptr<detail::Operation> op = std::make_shared<detail::OperationFor<T, F>>(std::move(fn), promise);
    op->async = async;
    promise.set_helper(op, &detail::help);
    detail::dispatch(shard, op);
    return AsyncResult<T>{std::move(promise)};
  }

 private:
  detail::ShardImpl* impl_;
};

/// Owns the shards, their pools and driver workers, and the "grant" spdlog logger.
class Runtime {
 public:
  /// Validates `config` (ConfigError), sets a UTF-8 locale for the process if the current
  /// one is not UTF-8 (unixODBC converts text by locale), and makes this the
  /// current runtime. Connections open lazily, on first use. Throws grant::Error if another
  /// Runtime is alive.
  explicit Runtime(Config config);
  /// Waits for queued jobs to finish, closes every connection, joins the workers.
  ~Runtime();
  Runtime(const Runtime&) = delete;
  Runtime& operator=(const Runtime&) = delete;

  /// The live runtime. Throws grant::Error when there is none.
  static Runtime& current();
  static bool exists() noexcept;

  /// Throws UnknownShard listing the known shards.
  Shard shard(std::string_view name) const;
  std::vector<std::string> shard_names() const;
  const Config& config() const;

  Metrics metrics() const;

  /// Registers a hook called synchronously after every statement, on the thread that ran
  /// it (a worker, or the caller for a sync call that ran on its own thread).
  /// Returns an id for remove_statement_hook. For tests and instrumentation.
  std::size_t add_statement_hook(std::function<void(const StatementEvent&)> hook);
  void remove_statement_hook(std::size_t id);


 private:
  std::unique_ptr<detail::RuntimeImpl> impl_;
};

}  // namespace grant
