// Pool: the shard's slots, FIFO queue, lazy worker threads and checkout-time-out reaper.
// Lease: a transaction's private FIFO on one worker.
#include "lib/runtime/pool.hpp"

#include <grant/errors.hpp>

#include "lib/runtime/execute.hpp"
#include "lib/runtime/transaction.hpp"

#include <algorithm>
#include <cstdlib>

namespace grant::detail {
namespace {

std::chrono::microseconds since(Clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - t);
}

}  // namespace

// ---- Lease -------------------------------------------------------------------------------

bool Lease::push(std::shared_ptr<Operation> op) { return push(Queued{std::move(op), nullptr, Clock::now()}); }

bool Lease::push(Control control) { return push(Queued{nullptr, std::move(control), Clock::now()}); }

bool Lease::push(Queued queued) {
  {
    std::lock_guard lock(mutex_);
    if (released_) return false;
    items_.push_back(std::move(queued));
  }
  cv_.notify_one();
  return true;
}

void Lease::release() {
  {
    std::lock_guard lock(mutex_);
    released_ = true;
  }
  cv_.notify_one();
}

void Lease::serve(Pool& pool, Slot& slot) {
  std::unique_lock lock(mutex_);
  for (;;) {
    cv_.wait(lock, [&] { return !items_.empty() || released_; });
    if (items_.empty()) return;
    Queued queued = std::move(items_.front());
    items_.pop_front();
    lock.unlock();
    if (queued.op) {
      execute(pool, slot, *queued.op, since(queued.enqueued));
    } else {
      queued.control(pool, slot);  // control steps report through their own promise
    }
    queued = {};
    lock.lock();
  }
}

// ---- Pool --------------------------------------------------------------------------------

Pool::Pool(PoolSettings settings, Instruments& instruments)
    : settings_(std::move(settings)), instruments_(instruments) {}

Pool::~Pool() { stop(); }

std::chrono::microseconds PoolSettings::default_worker_spin() {
  static const std::chrono::microseconds spin = [] {
    const char* env = std::getenv("GRANT_WORKER_SPIN_US");
    if (!env || !*env) return std::chrono::microseconds{0};
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    return std::chrono::microseconds{(end && *end == 0 && v >= 0) ? v : 0};
  }();
  return spin;
}

void Pool::enqueue(const std::shared_ptr<Operation>& op) noexcept {
  auto now = Clock::now();
  op->queued_at = now;
  push(Queued{op, nullptr, now});
}

void Pool::enqueue_lease(std::shared_ptr<Lease> lease) noexcept { push(Queued{nullptr, std::move(lease), Clock::now()}); }

void Pool::fail(Queued& queued, std::exception_ptr error) noexcept {
  if (queued.lease) {
    queued.lease->release();  // later pushes fail at once instead of waiting for a worker
    queued.lease->acquired().reject(std::move(error));
    queued.lease->finished().resolve(true);
  } else if (!queued.op->claimed.exchange(true)) {
    instruments_.fail_operation(settings_.shard, *queued.op, std::move(error));
  }
}

void Pool::push(Queued queued) noexcept {
  std::exception_ptr refused;
  {
    std::lock_guard lock(mutex_);
    if (stopping_) {
      refused = std::make_exception_ptr(Error("grant: shard \"" + settings_.shard + "\" is shutting down"));
    } else {
      try {
        auto deadline = queued.enqueued + settings_.checkout_timeout;
        if (queued.lease && queued.lease->pinned) {
          pinned_.push_back(std::move(queued.lease));
        } else {
          queue_.push_back(std::move(queued));
          queued_.store(queue_.size(), std::memory_order_release);
          if (!reaper_.joinable()) reaper_ = std::thread([this] { reaper_main(); });
          // The reaper sleeps until the front job's deadline, or checkout_timeout when the
          // queue is empty; a job queued now has a later deadline than either, unless the
          // reaper is between rounds. Waking it on every job cost two futex calls per job.
          if (deadline < reaper_until_) {
            reaper_until_ = deadline;
            reaper_cv_.notify_one();
          }
        }
        wake_one_locked();
        // Idle workers (spinning or already woken) count as idle until they take a job, so
        // this starts a thread only when the queue outgrows the idle ones.
        std::size_t waiting_jobs = queue_.size() + pinned_.size();
        if (idle_workers_ < waiting_jobs && workers_ < settings_.size + pinned_.size()) {
          threads_.emplace_back([this] { worker_main(); });
          ++workers_;
        }
      } catch (const std::exception& e) {
        // Out of threads or memory: the job (if queued) still times out through the reaper.
        instruments_.log().error("[{}] cannot start a worker: {}", settings_.shard, e.what());
      }
    }
  }
  if (refused) fail(queued, refused);
}

void Pool::wake_one_locked() {
  // Idle workers that are not parked (spinning, or woken and not yet running) will look at
  // the queue by themselves; wake a parked one only for the jobs they cannot cover.
  std::size_t awake = idle_workers_ - parked_.size();
  std::size_t runnable = pinned_.size() + (slot_free_locked() ? queue_.size() : 0);
  if (parked_.empty() || runnable <= awake) return;
  Parked* p = parked_.back();  // the most recently parked: its thread is hot
  parked_.pop_back();
  p->woken = true;
  p->cv.notify_one();
}

Slot* Pool::take_slot_locked() {
  Slot* slot;
  if (!idle_.empty()) {
    slot = idle_.back();
    idle_.pop_back();
  } else {
    slots_.push_back(std::make_unique<Slot>());
    slot = slots_.back().get();
  }
  ++busy_;
  return slot;
}

void Pool::return_slot_locked(Slot* slot) noexcept {
  --busy_;
  idle_.push_back(slot);
  if (waiting_ > 0) checkout_cv_.notify_one();
  if (!queue_.empty()) wake_one_locked();
}

Slot& Pool::checkout(Clock::time_point since_time) {
  auto deadline = since_time + settings_.checkout_timeout;
  std::unique_lock lock(mutex_);
  if (stopping_) throw Error("grant: shard \"" + settings_.shard + "\" is shutting down");
  if (!slot_free_locked()) {
    ++waiting_;
    bool got = checkout_cv_.wait_until(lock, deadline, [&] { return slot_free_locked() || stopping_; });
    --waiting_;
    if (!got) {
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - since_time).count();
      throw PoolTimeout(settings_.shard, waited, settings_.size);
    }
    if (stopping_ && !slot_free_locked()) throw Error("grant: shard \"" + settings_.shard + "\" is shutting down");
  }
  return *take_slot_locked();
}

void Pool::checkin(Slot& slot) noexcept {
  after_use(slot);
  std::lock_guard lock(mutex_);
  return_slot_locked(&slot);
}

void Pool::note_failure(const std::string& message) noexcept {
  std::lock_guard lock(mutex_);
  ++failures_in_row_;
  try {
    last_error_ = message;
  } catch (...) {
  }
}

void Pool::note_success() noexcept {
  std::lock_guard lock(mutex_);
  failures_in_row_ = 0;
}

Connection& Pool::connect(Slot& slot) {
  auto now = Clock::now();
  if (slot.connection && !slot.tx.held) {
    auto idle = now - slot.last_used;
    if (settings_.idle_timeout.count() > 0 && idle > settings_.idle_timeout) {
      close(slot);
    } else if (settings_.validate_idle.count() > 0 && idle > settings_.validate_idle) {
      // A trivial statement through the driver, not counted as the user's: a connection that
      // the server or a firewall dropped while idle fails here instead of in the job.
      slot.validating = true;
      try {
        slot.connection->query(Statement{"SELECT 1", {}});
        slot.validating = false;
        slot.last_used = now;
      } catch (const std::exception& e) {
        slot.validating = false;
        instruments_.log().warn("[{}] an idle connection failed validation ({}); reconnecting", settings_.shard,
                                e.what());
        note_failure(e.what());
        close(slot);
      }
    }
  }
  if (slot.connection) return *slot.connection;
  driver::ConnectOptions options;
  options.shard = settings_.shard;
  options.query_timeout = settings_.query_timeout;
  options.connect_timeout = settings_.connect_timeout;
  // SQLite's busy timeout: waiting for the file lock is a kind of checkout wait.
  options.busy_timeout = settings_.checkout_timeout;
  options.log_parameters = settings_.log_parameters;
  options.on_statement = [this, &slot](StatementEvent& event) {
    if (slot.validating) return;
    event.queue_wait = slot.queue_wait;
    event.async = slot.async;
    event.thread = std::this_thread::get_id();
    if (event.shard.empty()) event.shard = settings_.shard;
    if (!event.ok) note_failed_statement(slot, event.sql, settings_.shard);
    instruments_.statement(event);
  };
  try {
    slot.connection = driver::connect(settings_.connection, options);
  } catch (const DatabaseError& e) {
    note_failure(e.what());
    // The driver masks passwords; make sure of it, since this message reaches logs.
    std::string message = driver::hide_password(e.driver_message(), settings_.connection);
    if (message == e.driver_message()) throw;
    throw ConnectionLost(e.sqlstate(), e.native_error(), message, "", settings_.shard);
  } catch (const Error& e) {
    note_failure(e.what());
    throw;
  } catch (const std::exception& e) {
    std::string message = std::string("cannot connect (") + driver::mask_password(settings_.connection) + "): " +
                          driver::hide_password(e.what(), settings_.connection);
    note_failure(message);
    throw ConnectionLost("08001", 0, message, "", settings_.shard);
  }
  slot.opened = slot.last_used = Clock::now();
  {
    std::lock_guard lock(mutex_);
    ++open_;
    if (open_ > max_open_) max_open_ = open_;
  }
  if (instruments_.debug_enabled())
    instruments_.log().debug("[{}] connection opened in {}us", settings_.shard, since(now).count());
  return *slot.connection;
}

void Pool::close(Slot& slot) noexcept {
  if (!slot.connection) return;
  try {
    slot.connection.reset();
  } catch (...) {
  }
  slot.tx = TxState{};
  {
    std::lock_guard lock(mutex_);
    if (open_ > 0) --open_;
  }
  if (instruments_.debug_enabled()) instruments_.log().debug("[{}] connection closed", settings_.shard);
}

void Pool::after_use(Slot& slot) noexcept {
  if (slot.tx.held) return;  // the transaction decides; it never reconnects underneath
  if (slot.connection && slot.connection->broken()) {
    instruments_.log().warn("[{}] connection lost; it is closed and replaced on next use", settings_.shard);
    note_failure("connection lost (broken after a statement)");
    close(slot);
    std::lock_guard lock(mutex_);
    ++replaced_;
  } else if (slot.connection && failures_in_row_.load(std::memory_order_relaxed) != 0) {
    note_success();
  }
}

bool Pool::spin_for_job() const noexcept {
  auto until = Clock::now() + settings_.worker_spin;
  for (unsigned n = 1;; ++n) {
    if (queued_.load(std::memory_order_acquire) != 0) return true;
    // Yield rather than pause: when the CPUs are oversubscribed, the thread that will
    // queue the next job (or the database server) may be waiting for this CPU.
    std::this_thread::yield();
    if ((n & 7) == 0 && Clock::now() >= until) return false;
  }
}

void Pool::run_queued(Slot* slot, Queued& queued) {
  auto wait = since(queued.enqueued);
  if (queued.lease) {
    Lease& lease = *queued.lease;
    Slot& s = lease.pinned ? *lease.pinned : *slot;
    if (!lease.pinned) {
      try {
        connect(s);
      } catch (...) {
        lease.acquired().reject(std::current_exception());
        lease.finished().resolve(true);
        return;
      }
      if (instruments_.debug_enabled())
        instruments_.log().debug("[{}] transaction checked out a connection after {}us", settings_.shard, wait.count());
      s.tx = TxState{};
      s.tx.held = true;
    }
    auto started = Clock::now();
    lease.acquired().resolve(true);
    lease.serve(*this, s);
    if (!lease.pinned) {
      abandon_transaction(*this, s);  // never hand an open transaction to the next job
      s.tx.held = false;
      if (instruments_.debug_enabled())
        instruments_.log().debug("[{}] transaction released its connection after {}us", settings_.shard,
                                 since(started).count());
    }
    lease.finished().resolve(true);  // a pinned slot goes back to its transaction
    return;
  }
  execute(*this, *slot, *queued.op, wait);
}

void Pool::worker_main() {
  Parked parked;
  Slot* slot = nullptr;  // kept while the queue has more work: a batch needs no checkout per job
  std::unique_lock lock(mutex_);
  for (;;) {
    // Operations claimed by an awaiting thread are dropped without a slot.
    while (!queue_.empty() && queue_.front().op && queue_.front().op->claimed.load(std::memory_order_acquire)) {
      queue_.pop_front();
      queued_.store(queue_.size(), std::memory_order_release);
    }
    bool pinned = !pinned_.empty();
    bool runnable = pinned || (!queue_.empty() && (slot || slot_free_locked()));
    if (!runnable) {
      if (slot) {
        return_slot_locked(slot);
        slot = nullptr;
        continue;
      }
      if (stopping_ && queue_.empty() && pinned_.empty()) break;
      ++idle_workers_;
      // The next job of a caller that awaits each statement usually comes a few
      // microseconds after this one's result: polling for it avoids a futex sleep and wake
      // on both sides. Bounded, and counted as idle so push() does not wake another worker.
      if (settings_.worker_spin.count() > 0 && !stopping_) {
        lock.unlock();
        spin_for_job();
        lock.lock();
      }
      if (pinned_.empty() && (queue_.empty() || !slot_free_locked())) {
        parked.woken = false;
        parked_.push_back(&parked);
        if (stopping_) {
          // Draining while every slot is out: wait for one to come back (checkin wakes us).
          parked.cv.wait_for(lock, std::chrono::milliseconds(10), [&] { return parked.woken; });
        } else {
          parked.cv.wait(lock, [&] { return parked.woken || stopping_; });
        }
        if (!parked.woken) std::erase(parked_, &parked);
      }
      --idle_workers_;
      continue;
    }
    Queued queued;
    if (pinned) {
      queued.lease = std::move(pinned_.front());
      queued.enqueued = Clock::now();
      pinned_.pop_front();
      if (slot) {  // a pinned transaction brings its own slot; do not sit on this one meanwhile
        return_slot_locked(slot);
        slot = nullptr;
      }
    } else {
      queued = std::move(queue_.front());
      queue_.pop_front();
      queued_.store(queue_.size(), std::memory_order_release);
      if (queued.op && queued.op->claimed.exchange(true)) continue;  // an awaiter took it
      if (!slot) slot = take_slot_locked();
    }
    if (stopping_ && queue_.empty()) reaper_cv_.notify_one();  // let shutdown proceed now
    lock.unlock();
    if (queued.lease && !queued.lease->pinned) {
      run_queued(slot, queued);
      after_use(*slot);
      lock.lock();
      return_slot_locked(slot);  // a transaction's connection goes back at once
      slot = nullptr;
      lock.unlock();
    } else {
      run_queued(slot, queued);
      if (slot) after_use(*slot);
    }
    queued = {};  // the job's captures die outside the lock
    lock.lock();
    // A thread waiting in checkout() gets this slot rather than the next queued job.
    if (slot && waiting_ > 0) {
      return_slot_locked(slot);
      slot = nullptr;
    }
  }
  --workers_;
}

void Pool::reaper_main() {
  std::unique_lock lock(mutex_);
  for (;;) {
    auto now = Clock::now();
    if (queue_.empty()) {
      if (stopping_) return;
      // Idle: expire connections that sat unused longer than idle_timeout.
      if (settings_.idle_timeout.count() > 0) {
        std::vector<Slot*> expired;
        std::erase_if(idle_, [&](Slot* s) {
          bool old = s->connection && now - s->last_used > settings_.idle_timeout;
          if (old) expired.push_back(s);
          return old;
        });
        if (!expired.empty()) {
          busy_ += expired.size();  // out of the idle list while closing
          lock.unlock();
          for (Slot* s : expired) close(*s);
          lock.lock();
          for (Slot* s : expired) return_slot_locked(s);
          continue;
        }
      }
      // Any job queued from now on has a deadline after this; push() wakes us otherwise.
      reaper_until_ = now + settings_.checkout_timeout;
      if (settings_.idle_timeout.count() > 0 && settings_.idle_timeout < settings_.checkout_timeout)
        reaper_until_ = now + settings_.idle_timeout;
      reaper_cv_.wait_until(lock, reaper_until_);
      continue;
    }
    auto deadline = queue_.front().enqueued + settings_.checkout_timeout;
    if (now < deadline) {
      reaper_until_ = deadline;
      reaper_cv_.wait_until(lock, deadline);
      continue;
    }
    std::vector<Queued> expired;
    while (!queue_.empty() && queue_.front().enqueued + settings_.checkout_timeout <= now) {
      expired.push_back(std::move(queue_.front()));
      queue_.pop_front();
    }
    queued_.store(queue_.size(), std::memory_order_release);
    lock.unlock();
    for (auto& queued : expired) {
      auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(now - queued.enqueued).count();
      fail(queued, std::make_exception_ptr(PoolTimeout(settings_.shard, waited, settings_.size)));
    }
    expired.clear();
    lock.lock();
  }
}

void Pool::stop() {
  std::vector<std::thread> threads;
  std::thread reaper;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
    for (Parked* p : parked_) p->cv.notify_one();  // they see stopping_ and drain the queue
    checkout_cv_.notify_all();
  }
  reaper_cv_.notify_all();
  // Workers may still start threads while draining (they never do: stopping_ refuses pushes).
  {
    std::lock_guard lock(mutex_);
    threads.swap(threads_);
    reaper.swap(reaper_);
  }
  for (auto& t : threads) t.join();
  if (reaper.joinable()) reaper.join();
  std::vector<Slot*> all;
  {
    std::lock_guard lock(mutex_);
    for (auto& s : slots_) all.push_back(s.get());
  }
  for (Slot* s : all) close(*s);
}

PoolStats Pool::stats() const {
  std::lock_guard lock(mutex_);
  PoolStats s;
  s.size = settings_.size;
  s.open = open_;
  s.busy = busy_;
  // Operations an awaiting thread took over stay in the queue until a worker drops them.
  s.queued = std::count_if(queue_.begin(), queue_.end(),
                           [](const Queued& q) { return !q.op || !q.op->claimed.load(std::memory_order_relaxed); });
  s.max_open_seen = max_open_;
  s.waiting = waiting_;
  std::size_t idle_open = 0;
  for (Slot* slot : idle_)
    if (slot->connection) ++idle_open;
  s.idle = idle_open;
  s.failures_in_row = failures_in_row_;
  s.replaced = replaced_;
  s.last_error = last_error_;
  return s;
}

void rethrow_transaction_error(std::exception_ptr error, bool lost) {
  if (lost) {
    try {
      std::rethrow_exception(error);
    } catch (const ConnectionLost&) {
    } catch (const DatabaseError& e) {
      throw ConnectionLost(e.sqlstate(), e.native_error(),
                           "the connection was lost inside the transaction; nothing was committed or replayed (" +
                               e.driver_message() + ")",
                           e.sql(), e.shard());
    } catch (...) {
    }
  }
  std::rethrow_exception(error);
}

}  // namespace grant::detail
