// grant::Runtime and grant::Shard — the process-wide owner of shards, pools, driver
// workers and logging, and the one door through which every statement reaches a database.
//
// Every operation, sync or async, ORM or raw SQL, becomes a job: a function of
// grant::Connection& that a driver worker runs on a pooled connection of one shard.
// Shard::run() submits a job and returns an AsyncResult; the sync API awaits it.
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
#include <string>
#include <string_view>
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
};

namespace detail {
class ShardImpl;
class RuntimeImpl;

/// A type-erased job. `run` is called on a driver worker with a connection of the shard;
/// `fail` is called instead (on any thread) when the job cannot run: unknown shard, pool
/// time-out, shutdown. Exactly one of them is called, exactly once. `run` reports its own
/// failure by settling its promise and then rethrowing: the executor catches everything at
/// the job boundary, counts the job as failed (Metrics::ops_failed) unless
/// note_job_outcome() did, and applies the transaction failure rule (Shard::transaction).
struct Job {
  std::function<void(Connection&)> run;
  std::function<void(std::exception_ptr)> fail;
  bool async = false;
};

/// Called by a job's `run` right before it settles its promise, from the worker thread:
/// counts the outcome (Metrics) so that the counters already include this job when an
/// awaiting fiber wakes up. Jobs that do not call it are counted when `run` returns.
void note_job_outcome(bool ok) noexcept;

/// Routes `job` to shard `shard`: inside an open transaction of this fiber on that shard,
/// to the transaction's connection (after what was issued before); from a worker already
/// running a job of that shard, inline on that job's connection; otherwise to the shard's
/// pool queue. Never throws: failures go to job.fail.
void submit(std::string_view shard, Job job) noexcept;
}  // namespace detail

/// One named database: its pool and its raw SQL interface. Obtained from Runtime::shard().
class Shard {
 public:
  explicit Shard(detail::ShardImpl* impl) : impl_(impl) {}
  const std::string& name() const;

  /// Runs `fn(Connection&)` on a pooled connection of this shard and returns its result.
  /// Never throws at the call site: every error is delivered by await().
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
    detail::Job job;
    job.async = async;
    job.run = [promise, fn = std::move(fn)](Connection& c) mutable {
      std::exception_ptr error;
      try {
        auto value = fn(c);
        detail::note_job_outcome(true);
        promise.resolve(std::move(value));
        return;
      } catch (...) {
        error = std::current_exception();
      }
      detail::note_job_outcome(false);
      promise.reject(error);
      std::rethrow_exception(error);  // the executor applies the transaction failure rule
    };
    job.fail = [promise](std::exception_ptr e) mutable { promise.reject(std::move(e)); };
    detail::submit(shard, std::move(job));
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

  /// Registers a hook called (on the worker thread, synchronously) after every statement.
  /// Returns an id for remove_statement_hook. For tests and instrumentation.
  std::size_t add_statement_hook(std::function<void(const StatementEvent&)> hook);
  void remove_statement_hook(std::size_t id);

  detail::RuntimeImpl& impl() { return *impl_; }

 private:
  std::unique_ptr<detail::RuntimeImpl> impl_;
};

}  // namespace grant
