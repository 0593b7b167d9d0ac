// grant::async::Promise<T> — a single-assignment value shared by one producer and any
// number of waiters.
//
// Thread and fiber safety: every member may be called concurrently from any thread or
// fiber. resolve()/reject() may run on a plain worker thread (that is how driver workers
// hand results back); get() suspends only the calling fiber, so other fibers of its
// thread keep running; a plain thread that runs no fibers simply blocks in get().
//
// Value or reference: get() on an lvalue returns a const T& that stays valid while any
// handle of the state lives. get() on an rvalue (std::move(p).get(), AsyncResult's
// `op().await()`) returns the value: moved out when no other handle could read it later,
// copied otherwise. Moved out only when this is the sole handle of the state and nobody
// has taken a reference yet; an AsyncResult counts as the sole consumer when it is the
// only AsyncResult (or continuation) of the state, whatever plain Promise copies the
// producer still holds. A read after the value was moved out throws std::logic_error
// (never a moved-from value): producers resolve and reject, they do not read.
#pragma once

#include <boost/fiber/context.hpp>
#include <boost/fiber/future.hpp>
#include <boost/fiber/scheduler.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdlib>
#include <exception>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <type_traits>
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
class AsyncResult;

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
    // The runtime's helper (set_helper): tried once by get() before it waits.
    std::weak_ptr<void> helper;
    void (*help)(void*) = nullptr;
    // Handles that read the value on behalf of a consumer (AsyncResult copies and their
    // continuations); plain Promise copies, the producer's, are not counted.
    std::atomic<std::size_t> consumers{0};
    // What became of the value: none yet, a reference handed out (it must stay), or moved out.
    enum Claim : int { unclaimed, referenced, taken };
    std::atomic<int> claim{unclaimed};
  };

 public:
  using value_type = T;

  Promise() : s_(std::make_shared<State>()) {}
  Promise(const Promise& other) noexcept : s_(other.s_), consumer_(other.consumer_) {
    if (consumer_ && s_) s_->consumers.fetch_add(1, std::memory_order_relaxed);
  }
  Promise(Promise&& other) noexcept : s_(std::move(other.s_)), consumer_(other.consumer_) {}
  Promise& operator=(Promise other) noexcept {
    std::swap(s_, other.s_);
    std::swap(consumer_, other.consumer_);
    return *this;
  }
  ~Promise() {
    if (consumer_ && s_) s_->consumers.fetch_sub(1, std::memory_order_acq_rel);
  }

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
  /// every call returns the same object or rethrows the same exception. The reference
  /// stays valid while any handle of this state lives. Throws std::logic_error if an
  /// rvalue get already moved the value out.
  const T& get() const& {
    wait_settled();
    finish();
    return referenced();
  }

  /// As get(), on an rvalue: returns the value itself, moved out of the state when no
  /// other handle may read it (see the file comment), a copy otherwise. A natural
  /// `const auto& v = std::move(p).get();` thus never dangles.
  T get() && {
    wait_settled();
    finish();
    return take();
  }

  /// Waits as get() does, runs the same first-get hooks and rethrows the error, but leaves
  /// the value where it is (for coordinators that wait now and read later).
  void wait() const {
    wait_settled();
    finish();
  }

  /// As get(), but gives up after `timeout`; returns nullptr on time-out (nothing changes,
  /// the promise stays waitable).
  template <class Rep, class Period>
  const T* get_for(std::chrono::duration<Rep, Period> timeout) const& {
    if (!wait_settled_for(timeout)) return nullptr;
    finish();
    return &referenced();
  }

  /// As get_for(), on an rvalue: the value (as get() &&), or std::nullopt on time-out.
  template <class Rep, class Period>
  std::optional<T> get_for(std::chrono::duration<Rep, Period> timeout) && {
    if (!wait_settled_for(timeout)) return std::nullopt;
    finish();
    return take();
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

  /// Installs what get() calls, on the getter's thread, before waiting for an unsettled
  /// promise: `help(helper.get())` while `helper` is alive. The runtime uses it to run a
  /// still-queued operation on an awaiting thread that may block instead of waking a worker.
  /// Must be set before the promise can be awaited. Never called by get_for().
  void set_helper(std::weak_ptr<void> helper, void (*help)(void*)) {
    s_->helper = std::move(helper);
    s_->help = help;
  }

  /// The settled value, or rethrows the error, without running the first-get hook.
  /// Precondition: completed(). For continuations (AsyncResult::then, coordinators' peeks).
  const T& peek() const {
    if (s_->error) std::rethrow_exception(s_->error);
    return referenced();
  }

  /// The error, or null if not settled or resolved. Never blocks.
  std::exception_ptr error() const {
    if (!completed()) return nullptr;
    return s_->error;
  }

 private:
  template <class>
  friend class AsyncResult;

  // Fiber-suspending wait until settled. `done` is stored (release) after the value or
  // error, under the mutex, so once it is seen the result is readable without waiting for
  // the fiber future too.
  void wait_settled() const {
    // The runtime's helper may run a still-queued operation on this thread (see set_helper).
    if (s_->help && !s_->done.load(std::memory_order_acquire)) {
      if (auto helper = s_->helper.lock()) s_->help(helper.get());
    }
    if (!detail::spin_until_done(s_->done)) s_->ready.wait();
  }
  template <class Rep, class Period>
  bool wait_settled_for(std::chrono::duration<Rep, Period> timeout) const {
    return s_->ready.wait_for(timeout) != boost::fibers::future_status::timeout;
  }

  // Counts this handle as a consumer (AsyncResult's own promise).
  void enlist_consumer() noexcept {
    if (!consumer_ && s_) {
      consumer_ = true;
      s_->consumers.fetch_add(1, std::memory_order_relaxed);
    }
  }
  // A copy for the producer (a deferred starter): not a consumer.
  Promise producer_copy() const {
    Promise p{*this};
    if (p.consumer_) {
      p.consumer_ = false;
      s_->consumers.fetch_sub(1, std::memory_order_acq_rel);
    }
    return p;
  }

  [[noreturn]] static void throw_taken() {
    throw std::logic_error("grant::Promise: the value was already moved out by an rvalue await()/get()");
  }

  // Marks the value as referenced (it may no longer move) and returns it.
  const T& referenced() const {
    int claim = s_->claim.load(std::memory_order_acquire);
    if (claim == State::unclaimed &&
        !s_->claim.compare_exchange_strong(claim, State::referenced, std::memory_order_acq_rel))
      claim = s_->claim.load(std::memory_order_acquire);
    if (claim == State::taken) throw_taken();
    return *s_->value;
  }

  // True when no other handle can read the value later: the only consumer, or for a plain
  // promise the only handle at all. The acquire pairs with the other handles' releases
  // (their last reads happen before their count drops).
  bool sole_reader() const noexcept {
    if (consumer_) return s_->consumers.load(std::memory_order_acquire) == 1;
    if (s_.use_count() != 1) return false;
    std::atomic_thread_fence(std::memory_order_acquire);
    return true;
  }

  // The value for an rvalue get: moved when sole_reader() and unreferenced, copied otherwise.
  T take() {
    int claim = State::unclaimed;
    if (sole_reader() && s_->claim.compare_exchange_strong(claim, State::taken, std::memory_order_acq_rel))
      return std::move(*s_->value);
    if constexpr (std::is_copy_constructible_v<T>) {
      // A consumer's copy cannot race a move (no other consumer is sole while this one
      // lives); a plain handle's copy pins the value first, as an lvalue get does.
      if (!consumer_) return referenced();
      if (s_->claim.load(std::memory_order_acquire) == State::taken) throw_taken();
      return *s_->value;
    } else {
      throw std::logic_error("grant::Promise: cannot copy a move-only value shared by several handles");
    }
  }

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

  // Runs the first-get hooks (before any value moves) and rethrows the error.
  void finish() const {
    // Pairs with settle()'s release store: the value and error written on a worker are
    // ordered before this read by our own atomic, not only by Boost.Fiber's internal lock
    // (which ThreadSanitizer cannot see: Debian's libboost_fiber is not instrumented).
    (void)s_->done.load(std::memory_order_acquire);
    if (s_->on_first_finish) std::call_once(s_->first_finish, [&] { s_->on_first_finish(); });
    if (s_->error) std::rethrow_exception(s_->error);
    if (s_->on_first_get) std::call_once(s_->first_get, [&] { s_->on_first_get(*s_->value); });
  }

  std::shared_ptr<State> s_;
  bool consumer_ = false;  // counted in State::consumers
};

}  // namespace grant::async

namespace grant {
using async::Promise;
}
