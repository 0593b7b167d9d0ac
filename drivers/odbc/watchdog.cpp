// See watchdog.hpp.
#include "drivers/odbc/watchdog.hpp"

#include <sys/socket.h>

#include <condition_variable>
#include <limits>
#include <thread>
#include <unordered_set>

namespace grant::driver::odbc {

// The process-wide timer thread. Deliberately never destroyed: a Watch may outlive static
// destruction (a connection closed from an atexit handler), and the thread sleeps anyway.
class Watchdog {
 public:
  static Watchdog& instance() {
    static Watchdog* w = new Watchdog;
    return *w;
  }

  void add(Watch* w) {
    std::lock_guard lock(mutex_);
    watches_.insert(w);
  }
  void remove(Watch* w) {
    std::lock_guard lock(mutex_);
    watches_.erase(w);
  }

  /// A deadline was armed: wake the thread only if it sleeps towards a later time.
  void armed(std::int64_t deadline_ns) {
    if (deadline_ns >= next_wake_ns_.load()) return;
    std::lock_guard lock(mutex_);
    wake_.notify_one();
  }

 private:
  static constexpr std::int64_t never = std::numeric_limits<std::int64_t>::max();

  Watchdog() { std::thread([this] { loop(); }).detach(); }

  // While scanning, next_wake_ns_ is `never`, so that a deadline armed during the scan
  // (and perhaps missed by it) pokes the thread, which waits on the lock held here until
  // the scan ends and then scans again.
  void loop() {
    std::unique_lock lock(mutex_);
    for (;;) {
      next_wake_ns_.store(never);
      const std::int64_t now = steady_ns(std::chrono::steady_clock::now());
      std::int64_t earliest = never;
      for (Watch* w : watches_) {
        std::int64_t d = w->deadline_ns_.load();
        if (d == 0) continue;
        if (d <= now) w->expire(d, now);
        d = w->deadline_ns_.load();
        if (d != 0 && d < earliest) earliest = d;
      }
      next_wake_ns_.store(earliest);
      if (earliest == never) {
        wake_.wait(lock);
      } else {
        wake_.wait_until(lock, std::chrono::steady_clock::time_point(std::chrono::nanoseconds(earliest)));
      }
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  std::unordered_set<Watch*> watches_;
  std::atomic<std::int64_t> next_wake_ns_{never};
};

std::shared_ptr<Watch> Watch::make(int socket_fd, std::chrono::milliseconds grace) {
  std::shared_ptr<Watch> w(new Watch(socket_fd, grace));
  Watchdog::instance().add(w.get());
  return w;
}

Watch::~Watch() { Watchdog::instance().remove(this); }

void Watch::arm(SQLHSTMT statement, std::chrono::steady_clock::time_point deadline) {
  statement_ = statement;
  phase_.store(armed, std::memory_order_relaxed);
  const std::int64_t d = steady_ns(deadline);
  deadline_ns_.store(d);  // publishes statement_ and phase_ to the watchdog
  Watchdog::instance().armed(d);
}

Watch::Outcome Watch::disarm() {
  deadline_ns_.store(0, std::memory_order_relaxed);
  const int was = phase_.exchange(idle);
  if (was == armed || was == idle) return Outcome::in_time;
  // The watchdog may be shutting the socket down right now: wait until it is done, so
  // that no shutdown() can reach the fd after the driver closed (and the kernel reused) it.
  std::unique_lock lock(mutex_);
  if (was == unblocked) return Outcome::unblocked;
  // The statement often returns (the server answered the cancel) a moment before SQLCancel
  // itself does (psqlODBC waits for the server to close the cancel connection).
  cancel_done_.wait_for(lock, grace_, [&] { return !cancel_running_; });
  return cancel_running_ ? Outcome::cancel_pending : Outcome::cancelled;
}

void Watch::expire(std::int64_t deadline_ns, std::int64_t now_ns) {
  std::lock_guard lock(mutex_);
  int phase = phase_.load();
  if (phase == armed) {
    if (!phase_.compare_exchange_strong(phase, cancelling)) return;  // disarmed meanwhile
    deadline_ns_.store(now_ns + std::chrono::duration_cast<std::chrono::nanoseconds>(grace_).count());
    cancel_in_background();
  } else if (phase == cancelling) {
    if (socket_fd_ >= 0) {
      deadline_ns_.store(0);
      if (phase_.compare_exchange_strong(phase, unblocked)) ::shutdown(socket_fd_, SHUT_RDWR);
    } else {
      // No socket (SQLite): cancel again, since a cancel that came before the statement
      // started running is lost (sqlite3_interrupt() with no statement running is a no-op).
      deadline_ns_.store(now_ns + std::chrono::duration_cast<std::chrono::nanoseconds>(grace_).count());
      if (!cancel_running_) cancel_in_background();
    }
  } else {
    // Disarmed after the deadline was read: drop it unless a new one was armed.
    deadline_ns_.compare_exchange_strong(deadline_ns, 0);
  }
}

// Called with mutex_ held.
void Watch::cancel_in_background() {
  cancel_running_ = true;
  try {
    std::thread([self = shared_from_this(), statement = statement_] {
      SQLCancel(statement);
      std::function<void()> deferred;
      {
        std::lock_guard lock(self->mutex_);
        self->cancel_running_ = false;
        deferred.swap(self->deferred_free_);
      }
      self->cancel_done_.notify_all();
      if (deferred) deferred();
    }).detach();
  } catch (const std::exception&) {
    // No thread to be had: the grace period still ends in a socket shutdown.
    cancel_running_ = false;
  }
}

void Watch::retire(std::function<void()> free_handles) {
  Watchdog::instance().remove(this);
  {
    std::lock_guard lock(mutex_);
    if (cancel_running_) {
      deferred_free_ = std::move(free_handles);
      return;
    }
  }
  free_handles();
}

}  // namespace grant::driver::odbc
