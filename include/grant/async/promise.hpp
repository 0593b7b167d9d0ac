// grant::async::Promise<T> — a single-assignment value shared by one producer and any
// number of waiters.
//
// Thread and fiber safety: every member may be called concurrently from any thread or
// fiber. resolve()/reject() may run on a plain worker thread (that is how driver workers
// hand results back); get() suspends only the calling fiber, so other fibers of its
// thread keep running; a plain thread that runs no fibers simply blocks in get().
#pragma once

#include <boost/fiber/context.hpp>
#include <boost/fiber/future.hpp>
#include <boost/fiber/scheduler.hpp>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <utility>
#include <vector>

namespace grant::async {

namespace detail {
/// How long get() polls an unsettled promise before suspending, when no other fiber of the
/// thread is ready: 0 (off) unless GRANT_PROMISE_SPIN_US says otherwise (read once). Off by
/// default: with many fibers waiting (throughput) the polling only took CPU from the
/// database (docs/runtime.md, "Hand-off", has the numbers).
inline std::chrono::microseconds promise_spin() {
  static const std::chrono::microseconds spin = [] {
    const char* env = std::getenv("GRANT_PROMISE_SPIN_US");
    if (!env || !*env) return std::chrono::microseconds{0};
    char* end = nullptr;
    long v = std::strtol(env, &end, 10);
    return std::chrono::microseconds{(end && *end == 0 && v >= 0) ? v : 0};
  }();
  return spin;
}

/// Polls `done` for at most promise_spin(); true once it is set. A driver worker usually settles a lookup's
/// promise within tens of microseconds; catching it here saves the futex sleep and wake of
/// suspending. Never spins while other fibers of this thread could run instead.
inline bool spin_until_done(const std::atomic<bool>& done) noexcept {
  if (done.load(std::memory_order_acquire)) return true;
  auto spin = promise_spin();
  if (spin.count() <= 0) return false;
  auto* scheduler = boost::fibers::context::active()->get_scheduler();
  if (scheduler->has_ready_fibers()) return false;
  auto until = std::chrono::steady_clock::now() + spin;
  for (unsigned n = 1; !done.load(std::memory_order_acquire); ++n) {
#if defined(__x86_64__) || defined(__i386__)
    __builtin_ia32_pause();
#endif
    if ((n & 31) == 0 && std::chrono::steady_clock::now() >= until) return false;
  }
  return true;
}
}  // namespace detail

template <class T>
class Promise {
  struct State {
    // Guards value/error/callbacks. Held only for a few instructions, never across a
    // wait, so a worker thread and fibers may share it (docs/runtime.md).
    std::mutex mutex;
    std::atomic<bool> done{false};
    std::optional<T> value;
    std::exception_ptr error;
    std::vector<std::function<void()>> callbacks;
    boost::fibers::promise<void> signal;
    boost::fibers::shared_future<void> ready{signal.get_future().share()};
    // Run once, by the first get() to return, in that getter's thread (used to copy an
    // async write's outcome back into the caller's record).
    std::function<void(const T&)> on_first_get;
    std::once_flag first_get;
    // Run once, by the first get() to finish with the value *or* the error (an async
    // write copies its record back, validation errors included, even when it throws).
    std::function<void()> on_first_finish;
    std::once_flag first_finish;
  };

 public:
  using value_type = T;

  Promise() : s_(std::make_shared<State>()) {}

  /// Sets the value. Returns false (and changes nothing) if already resolved or rejected:
  /// the first resolve/reject wins.
  bool resolve(T value) {
    return settle([&](State& s) { s.value.emplace(std::move(value)); });
  }

  /// Sets the error. Returns false if already settled. A null pointer is replaced by a
  /// std::logic_error so that waiters never see a "successful" empty result.
  bool reject(std::exception_ptr error) {
    if (!error) error = std::make_exception_ptr(std::logic_error("grant::Promise rejected with a null error"));
    return settle([&](State& s) { s.error = std::move(error); });
  }

  /// Waits (fiber-suspending) and returns the value or rethrows the error. Idempotent:
  /// every call returns the same object or rethrows the same exception.
  const T& get() const {
    // `done` is stored (release) after the value or error, under the mutex, so once it is
    // seen the result is readable without waiting for the fiber future too.
    if (!detail::spin_until_done(s_->done)) s_->ready.wait();
    return finish();
  }

  /// As get(), but gives up after `timeout`; returns nullptr on time-out (nothing changes,
  /// the promise stays waitable).
  template <class Rep, class Period>
  const T* get_for(std::chrono::duration<Rep, Period> timeout) const {
    if (s_->ready.wait_for(timeout) == boost::fibers::future_status::timeout) return nullptr;
    return &finish();
  }

  /// True once resolved or rejected. Never blocks, never yields.
  bool completed() const noexcept { return s_->done.load(std::memory_order_acquire); }

  /// Runs `fn` once the promise settles: at once in this thread if it already has,
  /// otherwise on the thread that settles it (possibly a driver worker: keep `fn` short
  /// and never wait in it).
  void on_complete(std::function<void()> fn) const {
    {
      std::lock_guard lock(s_->mutex);
      if (!s_->done.load(std::memory_order_relaxed)) {
        s_->callbacks.push_back(std::move(fn));
        return;
      }
    }
    fn();
  }

  /// Installs the hook that the first successful get() runs (before returning) in its own
  /// thread. Must be set before the promise can be awaited.
  void set_on_first_get(std::function<void(const T&)> fn) { s_->on_first_get = std::move(fn); }

  /// Installs the hook that the first get() to finish — returning the value or rethrowing
  /// the error — runs once, in its own thread, before it returns or throws. Must be set
  /// before the promise can be awaited. Used by async record writes (model.hpp).
  void set_on_first_finish(std::function<void()> fn) { s_->on_first_finish = std::move(fn); }

  /// The settled value, or rethrows the error, without running the first-get hook.
  /// Precondition: completed(). For continuations (AsyncResult::then, coordinators' peeks).
  const T& peek() const {
    if (s_->error) std::rethrow_exception(s_->error);
    return *s_->value;
  }

  /// The error, or null if not settled or resolved. Never blocks.
  std::exception_ptr error() const {
    if (!completed()) return nullptr;
    return s_->error;
  }

 private:
  template <class Set>
  bool settle(Set&& set) {
    std::vector<std::function<void()>> callbacks;
    {
      std::lock_guard lock(s_->mutex);
      if (s_->done.load(std::memory_order_relaxed)) return false;
      set(*s_);
      s_->done.store(true, std::memory_order_release);
      callbacks.swap(s_->callbacks);
    }
    s_->signal.set_value();
    for (auto& cb : callbacks) cb();
    return true;
  }

  const T& finish() const {
    // Pairs with settle()'s release store: the value and error written on a worker are
    // ordered before this read by our own atomic, not only by Boost.Fiber's internal lock
    // (which ThreadSanitizer cannot see: Debian's libboost_fiber is not instrumented).
    (void)s_->done.load(std::memory_order_acquire);
    if (s_->on_first_finish) std::call_once(s_->first_finish, [&] { s_->on_first_finish(); });
    if (s_->error) std::rethrow_exception(s_->error);
    if (s_->on_first_get) std::call_once(s_->first_get, [&] { s_->on_first_get(*s_->value); });
    return *s_->value;
  }

  std::shared_ptr<State> s_;
};

}  // namespace grant::async

namespace grant {
using async::Promise;
}
