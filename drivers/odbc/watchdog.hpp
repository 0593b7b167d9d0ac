// Statement deadlines that hold whatever the driver does.
//
// One process-wide watchdog thread keeps a deadline per connection (a Watch). A statement
// arms its connection's Watch before SQLExecute and disarms it after the last SQLFetch;
// both are a few atomic operations, and the watchdog is woken only when a deadline is
// earlier than the one it already sleeps towards. Past a deadline the watchdog:
//   1. starts SQLCancel on a short-lived thread of its own (MariaDB's SQLCancel opens a new
//      connection to send KILL QUERY and blocks for as long as the server does not answer,
//      so the watchdog never calls into a driver itself);
//   2. after a grace period, if the statement still has not returned, shuts the
//      connection's socket down (shutdown(2), never close(2): the fd stays the driver's),
//      so that a driver blocked in recv() returns with an error.
// The statement thread learns from disarm() that the deadline passed and reports
// QueryTimeout. A statement that the cancel ended cleanly leaves a usable connection; one
// that needed the socket shut down, or whose SQLCancel is still inside the driver, leaves
// it quarantined (broken), since a handle that SQLCancel may still touch is never reused.
//
// Thread safety: arm/disarm from the one thread running the connection's statement;
// everything else is internal to the watchdog.
#pragma once

#include <sql.h>
#include <sqlext.h>

#include <atomic>
#include <condition_variable>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>

namespace grant::driver::odbc {

class Watch : public std::enable_shared_from_this<Watch> {
 public:
  /// What happened to the statement between arm() and disarm(): in time; cancelled (and
  /// SQLCancel has returned); cancel_pending (SQLCancel still inside the driver); unblocked
  /// (the socket was shut down).
  enum class Outcome { in_time, cancelled, cancel_pending, unblocked };

  /// A Watch registered with the watchdog. `socket_fd` is the connection's socket (-1: none,
  /// e.g. SQLite); `grace` is how long a cancelled statement may take to return before the
  /// socket is shut down.
  static std::shared_ptr<Watch> make(int socket_fd, std::chrono::milliseconds grace);
  ~Watch();

  /// Starts the clock for `statement`. `deadline` must be in the future.
  void arm(SQLHSTMT statement, std::chrono::steady_clock::time_point deadline);
  /// Stops the clock. After cancel_pending or unblocked no handle of the connection may be
  /// used again.
  Outcome disarm();

  /// Runs `free_handles` now, or, while a SQLCancel started by the watchdog is still inside
  /// the driver, when it returns (the handles must outlive that call). Then unregisters.
  void retire(std::function<void()> free_handles);

  /// Sets the socket to shut down as a last resort (before the first arm()).
  void set_socket(int fd) {
    std::lock_guard lock(mutex_);
    socket_fd_ = fd;
  }
  int socket_fd() const { return socket_fd_; }

 private:
  friend class Watchdog;
  enum Phase : int { idle, armed, cancelling, unblocked };

  Watch(int socket_fd, std::chrono::milliseconds grace) : socket_fd_(socket_fd), grace_(grace) {}
  /// Called by the watchdog (under its lock) when `deadline_ns`, read before, has passed.
  void expire(std::int64_t deadline_ns, std::int64_t now_ns);
  void cancel_in_background();

  int socket_fd_;
  const std::chrono::milliseconds grace_;
  std::atomic<std::int64_t> deadline_ns_{0};  // steady_clock ns; 0 = not armed
  std::atomic<int> phase_{idle};
  SQLHSTMT statement_ = SQL_NULL_HSTMT;  // written by arm() before deadline_ns_ is published

  std::mutex mutex_;  // orders shutdown against disarm, and the canceller against retire
  std::condition_variable cancel_done_;
  bool cancel_running_ = false;
  std::function<void()> deferred_free_;
};

/// Nanoseconds of steady_clock (the watchdog's time base).
inline std::int64_t steady_ns(std::chrono::steady_clock::time_point t) {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(t.time_since_epoch()).count();
}

}  // namespace grant::driver::odbc
