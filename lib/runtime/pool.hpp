// The connection pool of one shard: its connections (slots), the queue of handed-off
// operations, up to pool_size worker threads and the checkout-time-out reaper. Internal to
// the library.
//
// Shape:
//  - Connections belong to the pool, not to threads. A Slot is one connection and what
//    the pool knows about it; it is checked out by one thread at a time: a caller that runs
//    its own statement (checkout(), blocking only that thread), a worker running queued
//    operations, or a transaction. At most `size` slots exist. Idle slots form a stack, so
//    the most recently used connection (hot in the server's caches) is reused first.
//  - Operations handed off wait in the FIFO queue. A worker takes the front one together
//    with a slot and keeps that slot while the queue has more (a batch drains without a
//    wake-up per operation); it returns the slot when the queue is empty or when a
//    thread is waiting in checkout(). Parked workers wake in LIFO order.
//  - An operation is run or failed by whoever claims it first (Operation::claimed): a
//    worker, an awaiting thread that may block (detail::help), or the reaper, which fails
//    queued operations past their checkout deadline with PoolTimeout.
//  - A transaction from a fiber with siblings checks out a Lease: it queues like an
//    operation; the worker that takes it serves the lease's private FIFO until release().
//    A lease may also be pinned to a slot that a transaction checked out on its own thread
//    (it started on a thread that could block, then gained sibling fibers): the worker
//    serves it with that slot and leaves the slot to the transaction.
//  - Health: a slot records when it was opened and last used, and the last error. A
//    connection idle longer than validate_idle is checked with a trivial statement before
//    use; one idle longer than idle_timeout is closed. A broken connection is closed
//    after the operation that broke it; the next use opens a new one.
//
// Thread safety: Pool and Lease are safe from any thread. A Slot is used only by the
// thread that checked it out.
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
  /// A connection idle longer than this is validated (a trivial statement) before use; 0 = never.
  std::chrono::milliseconds validate_idle{30000};
  /// A connection idle longer than this is closed; 0 = never.
  std::chrono::milliseconds idle_timeout{600000};
  bool log_parameters = false;
  /// How long a worker that finished a job keeps polling the queue before it parks on its
  /// condition variable (docs/runtime.md, "Hand-off"). 0 = park at once.
  std::chrono::microseconds worker_spin{default_worker_spin()};

  /// 0 (off) unless GRANT_WORKER_SPIN_US says otherwise (read once).
  static std::chrono::microseconds default_worker_spin();
};

/// Transaction state of one connection: the only record of it (lib/runtime/transaction.cpp
/// reads and writes it; the executor only reports failures into it).
///
/// Failure rule: any statement that fails inside a transaction (its error seen at the
/// operation boundary, or a failed-statement event even if the operation swallowed the
/// error) marks the transaction failed at the current depth. ROLLBACK TO a savepoint
/// clears failures made at or below it; RELEASE hands them to the enclosing level. COMMIT
/// of a failed transaction rolls back instead and throws the first error.
struct TxState {
  int depth = 0;  ///< 0: none; 1: BEGIN; n > 1: n-1 savepoints open
  std::exception_ptr error;
  int error_level = 0;
  bool error_synthesized = false;  ///< from a statement event; a real exception replaces it
  bool held = false;               ///< a transaction owns this slot: never reconnect under it
};

/// One connection of a pool.
struct Slot {
  std::unique_ptr<Connection> connection;  ///< null until opened, and after it broke
  TxState tx;
  Clock::time_point opened{};
  Clock::time_point last_used{};
  // The operation running on it now, for statement events.
  std::chrono::microseconds queue_wait{0};
  bool async = false;
  bool validating = false;  ///< the pool's own health check: not the user's statement
};

class Pool;

/// A connection checked out by one transaction of a fiber that must not block its thread.
class Lease {
 public:
  /// Resolved once a worker serves this lease; rejected with PoolTimeout (checkout
  /// time-out), a connection error, or a shutdown error.
  Promise<bool>& acquired() { return acquired_; }
  /// Resolved when the worker has stopped using the slot (after release()).
  Promise<bool>& finished() { return finished_; }

  /// A transaction-control step (BEGIN, COMMIT, savepoints): not an operation of its own,
  /// so it is neither counted nor timed as one.
  using Control = std::function<void(Pool&, Slot&)>;

  /// Queues `op` (claimed by the caller) or `control` behind everything pushed before.
  /// False once released (nothing queued).
  bool push(std::shared_ptr<Operation> op);
  bool push(Control control);
  /// No more items: the worker finishes what is queued and returns to its pool.
  void release();
  /// Worker side: runs items on `slot` until released and drained.
  void serve(Pool& pool, Slot& slot);

  /// The slot the transaction checked out itself, or null (the worker checks one out).
  Slot* pinned = nullptr;

 private:
  struct Queued {
    std::shared_ptr<Operation> op;
    Control control;
    Clock::time_point enqueued;
  };
  bool push(Queued queued);
  Promise<bool> acquired_;
  Promise<bool> finished_;
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

  /// Queues an operation (FIFO). Never throws: on shutdown it fails at once.
  void enqueue(const std::shared_ptr<Operation>& op) noexcept;
  /// Queues a lease checkout behind the operations already waiting (a pinned lease is
  /// served by the next free worker without a checkout).
  void enqueue_lease(std::shared_ptr<Lease> lease) noexcept;

  /// Checks out a slot for the calling thread, blocking it until one is free. Throws
  /// PoolTimeout once `since + checkout_timeout` has passed, or Error on shutdown.
  Slot& checkout(Clock::time_point since);
  /// Returns a slot checked out with checkout(); closes its connection if it is broken.
  void checkin(Slot& slot) noexcept;

  /// The slot's connection, opened (or validated, or replaced) as needed. Throws the
  /// driver's error (shard named, password masked).
  Connection& connect(Slot& slot);
  /// Closes the connection when it is broken (after each operation).
  void after_use(Slot& slot) noexcept;
  void close(Slot& slot) noexcept;

  /// Stops accepting operations, lets the workers finish the queue, closes every
  /// connection and joins all threads. Idempotent.
  void stop();

  PoolStats stats() const;
  const PoolSettings& settings() const { return settings_; }
  Instruments& instruments() { return instruments_; }

 private:
  struct Queued {
    std::shared_ptr<Operation> op;
    std::shared_ptr<Lease> lease;
    Clock::time_point enqueued;
  };
  struct Parked {
    std::condition_variable cv;
    bool woken = false;
  };
  void push(Queued queued) noexcept;
  void fail(Queued& queued, std::exception_ptr error) noexcept;
  bool slot_free_locked() const noexcept { return !idle_.empty() || slots_.size() < settings_.size; }
  Slot* take_slot_locked();
  void return_slot_locked(Slot* slot) noexcept;
  void wake_one_locked();
  bool spin_for_job() const noexcept;
  void worker_main();
  void reaper_main();
  void note_failure(const std::string& message) noexcept;
  void note_success() noexcept;
  void run_queued(Slot* slot, Queued& queued);

  PoolSettings settings_;
  Instruments& instruments_;

  mutable std::mutex mutex_;
  std::condition_variable reaper_cv_;
  std::condition_variable checkout_cv_;
  std::deque<Queued> queue_;
  std::deque<std::shared_ptr<Lease>> pinned_;  ///< pinned leases waiting for a worker
  std::atomic<std::size_t> queued_{0};           ///< queue_.size(), readable without the mutex
  std::vector<Parked*> parked_;
  Clock::time_point reaper_until_ = Clock::time_point::max();
  std::vector<std::unique_ptr<Slot>> slots_;
  std::vector<Slot*> idle_;  ///< free slots, most recently used last
  std::vector<std::thread> threads_;
  std::thread reaper_;
  std::size_t workers_ = 0;
  std::size_t idle_workers_ = 0;
  std::size_t busy_ = 0;
  std::size_t waiting_ = 0;
  std::size_t open_ = 0;
  std::size_t max_open_ = 0;
  std::atomic<std::size_t> failures_in_row_{0};  ///< written under mutex_; read without it
  std::size_t replaced_ = 0;
  std::string last_error_;
  bool stopping_ = false;
};

/// Rethrows `error`; but when the connection turned out to be lost (`lost`) and `error` is a
/// DatabaseError other than ConnectionLost (psqlODBC reports a statement on a dead socket
/// inside a transaction as "[HY000] internal SAVEPOINT failed"), throws a ConnectionLost
/// carrying its SQLSTATE, SQL and message instead, so callers can tell a lost transaction.
[[noreturn]] void rethrow_transaction_error(std::exception_ptr error, bool lost);

}  // namespace grant::detail
