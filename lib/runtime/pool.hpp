// The blocking-call executor: one Pool per shard, up to pool_size worker threads, each
// owning one lazily opened connection. Internal to the library (lib/ and drivers/ only).
//
// Shape (see docs in lib/runtime.cpp for the routing rules of detail::submit):
//  - Jobs wait in the pool's FIFO queue. An idle worker takes the front job and runs it on
//    its own connection; a connection is only ever touched by the thread that owns it.
//    A worker that finished a job may poll the queue briefly (worker_spin, default off)
//    before parking; parked workers wake in LIFO order (docs/runtime.md, "Hand-off").
//  - Workers start lazily: a job that finds no idle worker starts one, up to pool_size, so
//    1000 pending jobs still mean at most pool_size threads and connections.
//  - A reaper thread per pool sleeps until the front job's checkout deadline
//    (enqueue time + checkout_timeout; FIFO order makes the front the earliest) and fails
//    every expired job with PoolTimeout, so time-outs are on time even when every worker is
//    busy for minutes. An idle reaper sleeps checkout_timeout (any job queued later has a
//    later deadline), so push() wakes it only for an earlier deadline, not on every job.
//    Exactly one of "a worker takes it" and "the reaper fails it" happens, decided under
//    the pool mutex.
//  - A transaction checks out a Lease: it queues like a job; the worker that takes it serves
//    the lease's private FIFO (the transaction's statements, sync and async, plus BEGIN /
//    COMMIT / savepoints) until the transaction releases it.
//  - After each job a connection whose broken() is true is closed; the next job opens a new
//    one. Nothing is replayed.
//
// Thread safety: Pool and Lease are safe from any thread; Worker is used by its own thread
// only (Worker::current() is how code running inside a job finds it).
#pragma once

#include <grant/async/promise.hpp>
#include <grant/runtime.hpp>

#include "drivers/driver.hpp"
#include "lib/runtime/instruments.hpp"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <deque>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace grant::detail {

using Clock = std::chrono::steady_clock;

struct PoolSettings {
  std::string shard;
  std::string connection;  ///< as configured; the driver adds its defaults
  std::size_t size = 8;
  std::chrono::milliseconds checkout_timeout{5000};
  std::chrono::milliseconds query_timeout{0};
  std::chrono::milliseconds connect_timeout{0};
  bool log_parameters = false;
  /// How long a worker that finished a job keeps polling the queue before it parks on its
  /// condition variable (docs/runtime.md, "Hand-off"). 0 = park at once.
  std::chrono::microseconds worker_spin{default_worker_spin()};

  /// 0 (off) unless GRANT_WORKER_SPIN_US says otherwise (read once). Off by default: it
  /// halved lookup latency on a quiet machine but doubled it at load average 6 on 2 vCPUs
  /// (docs/runtime.md, "Hand-off").
  static std::chrono::microseconds default_worker_spin();
};

class Worker;

/// A connection checked out by one transaction. The fiber side pushes items; the worker
/// that took the lease runs them in order until release() and an empty queue.
class Lease {
 public:
  using Item = std::function<void(Worker&, std::chrono::microseconds queue_wait)>;

  /// Resolved by the worker once it serves this lease; rejected with PoolTimeout (checkout
  /// time-out), a connection error, or a shutdown error.
  Promise<bool>& acquired() { return acquired_; }

  /// Queues `item` behind everything pushed before. False once released (nothing queued).
  bool push(Item item);
  /// No more items: the worker finishes what is queued and returns to its pool.
  void release();

  /// Worker side: runs items until released and drained.
  void serve(Worker& worker);

 private:
  struct Queued {
    Item item;
    Clock::time_point enqueued;
  };
  Promise<bool> acquired_;
  std::mutex mutex_;
  std::condition_variable cv_;
  std::deque<Queued> items_;
  bool released_ = false;
};

class Pool {
 public:
  Pool(PoolSettings settings, Instruments& instruments);
  ~Pool();
  Pool(const Pool&) = delete;
  Pool& operator=(const Pool&) = delete;

  /// Queues a job (FIFO). Never throws: on shutdown the job fails at once.
  void enqueue(Job job) noexcept;
  /// Queues a lease checkout behind the jobs already waiting.
  void enqueue_lease(std::shared_ptr<Lease> lease) noexcept;

  /// Stops accepting jobs, lets the workers finish the queue, closes every connection and
  /// joins all threads. Idempotent.
  void stop();

  PoolStats stats() const;
  const PoolSettings& settings() const { return settings_; }
  Instruments& instruments() { return instruments_; }

  // Worker callbacks.
  void note_open();
  void note_close();

 private:
  struct Queued {
    Job job;
    std::shared_ptr<Lease> lease;
    Clock::time_point enqueued;
  };
  void push(Queued queued) noexcept;
  static void fail(Instruments& instruments, const std::string& shard, Queued& queued, std::exception_ptr error);
  /// One parked worker: it sleeps on its own condition variable so that push() can wake
  /// the most recently parked one (LIFO keeps one thread, connection and server backend hot
  /// when jobs come one at a time).
  struct Parked {
    std::condition_variable cv;
    bool woken = false;
  };
  void wake_one_locked();
  bool spin_for_job() const noexcept;
  void worker_main(Worker& worker);
  void reaper_main();

  PoolSettings settings_;
  Instruments& instruments_;

  mutable std::mutex mutex_;
  std::condition_variable reaper_cv_;
  std::deque<Queued> queue_;
  std::atomic<std::size_t> queued_{0};  ///< queue_.size(), readable without the mutex (spinning)
  std::vector<Parked*> parked_;         ///< parked workers, most recent last
  // The reaper's current wake-up time; push() notifies it only for an earlier deadline.
  Clock::time_point reaper_until_ = Clock::time_point::max();
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<std::thread> threads_;
  std::thread reaper_;
  std::size_t idle_ = 0;
  std::size_t busy_ = 0;
  std::size_t open_ = 0;
  std::size_t max_open_ = 0;
  bool stopping_ = false;
};

/// Transaction bookkeeping of one connection; touched only by the worker thread owning it.
///
/// Failure rule: any statement that fails inside a transaction (its error seen at the job
/// boundary, or a failed-statement event even if the job swallowed the error) marks the
/// transaction failed at the current depth. ROLLBACK TO a savepoint clears failures made
/// at or below it (the savepoint restored a consistent state); RELEASE hands them to the
/// enclosing level. COMMIT of a failed transaction rolls back instead and throws the first
/// error, so a partial state is never committed (psqlODBC's statement-level rollback would
/// otherwise keep the statements around the failed one).
struct TxState {
  int depth = 0;  ///< 0: none; 1: BEGIN; n > 1: n-1 savepoints open
  std::exception_ptr error;
  int error_level = 0;
  bool error_synthesized = false;  ///< from a statement event; a real exception replaces it
};

/// One worker thread's state: its connection and what job it is running.
class Worker {
 public:
  Worker(Pool& pool);
  ~Worker();

  /// The worker whose thread this is, if it is running a job of `pool` right now.
  static Worker* running_for(const Pool& pool) noexcept;
  /// Marks the calling thread as this worker's (worker_main does it once).
  void bind_thread() noexcept;

  Pool& pool() { return pool_; }
  const std::string& shard() const;

  /// Runs `job` on the connection (opened if needed) with timing, metrics, logs and the
  /// transaction failure rule. Never throws; a job runs inline inside another job through
  /// this too (queue_wait 0).
  void execute(Job& job, std::chrono::microseconds queue_wait) noexcept;
  /// Opens the connection if needed, resolves the lease's acquired() and serves it.
  void serve(Lease& lease, std::chrono::microseconds queue_wait) noexcept;
  /// Closes the connection if it is broken (between jobs).
  void after_job() noexcept;
  void close() noexcept;

  /// The connection, opened on first use. Throws the driver's error (shard named, PWD masked).
  Connection& connection();
  bool broken() const noexcept;
  TxState& tx() { return tx_; }

  // Transaction control on this connection; worker thread only. See TxState.
  void tx_begin();
  void tx_commit();
  void tx_rollback() noexcept;
  void tx_savepoint();
  void tx_release();
  void tx_rollback_to();

 private:
  void on_statement(StatementEvent& event);
  void note_failure(std::exception_ptr error) noexcept;
  [[noreturn]] void throw_lost() const;

  Pool& pool_;
  std::unique_ptr<Connection> connection_;
  TxState tx_;
  int running_ = 0;  ///< nesting depth of execute() on this thread
  bool leased_ = false;
  struct Current {
    std::chrono::microseconds queue_wait{0};
    bool async = false;
    bool counted = false;  ///< note_job_outcome() already counted this job
  } current_;
  friend void grant::detail::note_job_outcome(bool) noexcept;
};

/// Rethrows `error`; but when the connection turned out to be lost (`lost`) and `error` is a
/// DatabaseError other than ConnectionLost (psqlODBC reports a statement on a dead socket
/// inside a transaction as "[HY000] internal SAVEPOINT failed"), throws a ConnectionLost
/// carrying its SQLSTATE, SQL and message instead, so callers can tell a lost transaction.
[[noreturn]] void rethrow_transaction_error(std::exception_ptr error, bool lost);

/// "Pwd=secret" -> "Pwd=***" (any case, braces too), for messages and logs.
std::string mask_password(const std::string& connection_string);

}  // namespace grant::detail
