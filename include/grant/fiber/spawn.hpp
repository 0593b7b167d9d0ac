// grant::fiber::spawn — Crystal's `spawn`, on Boost.Fiber.
//
// spawn(f) starts `f` in a new fiber of the calling thread and returns at once (the new
// fiber runs when this one next suspends: await, receive, sleep, yield, ...). Dropping the
// returned Fiber detaches it: fire and forget, as in Crystal. Keep the handle and call
// join() to wait for the fiber and get its exception back.
//
// Threading: a fiber stays on the thread that spawned it (round-robin scheduler, no
// migration). Every fiber of a thread must have finished (join it, or make it finish, e.g.
// through a WaitGroup) before that thread exits. join() may be called from any fiber of
// any thread.
//
// Stacks: 128 KiB (Boost.Context's default) with a guard page below it, so an overflow
// is a segmentation fault and never silent corruption. Keep big buffers off fiber stacks.
#pragma once

#include <boost/context/protected_fixedsize_stack.hpp>
#include <boost/fiber/fiber.hpp>
#include <boost/fiber/operations.hpp>

#include <exception>
#include <memory>
#include <mutex>
#include <utility>

namespace grant::fiber {

namespace detail {
/// What a fiber's handle and the fiber share: the escaped exception and whether anyone
/// can still pick it up. Guarded by a std::mutex held for a few instructions only.
struct FiberOutcome {
  std::mutex mutex;
  std::exception_ptr error;
  bool detached = false;
};

/// Fibers started by spawn() on the calling thread that have not finished yet. The
/// runtime reads it to decide whether a call may block its thread (docs/threading.md).
/// (lib/fiber/spawn.cpp)
std::size_t& live_fibers_here() noexcept;

/// Counts one live spawned fiber for as long as it exists (created and destroyed on the
/// fiber's own thread: fibers never migrate).
struct LiveFiber {
  LiveFiber() noexcept { ++live_fibers_here(); }
  ~LiveFiber() { --live_fibers_here(); }
  LiveFiber(const LiveFiber&) = delete;
  LiveFiber& operator=(const LiveFiber&) = delete;
};

/// Reports an exception that escaped a detached fiber: to the "grant" spdlog logger when
/// there is one, else to stderr. Never throws. (lib/fiber/spawn.cpp)
void report_unhandled(std::exception_ptr error) noexcept;
}  // namespace detail

/// Handle to a fiber started by spawn(). Move-only. Destroying it without join() detaches
/// the fiber; an exception escaping a detached fiber is reported (logged) and dropped,
/// like an unhandled exception in a Crystal fiber.
class Fiber {
 public:
  Fiber() = default;
  Fiber(boost::fibers::fiber fiber, std::shared_ptr<detail::FiberOutcome> outcome)
      : fiber_(std::move(fiber)), outcome_(std::move(outcome)) {}
  Fiber(Fiber&&) noexcept = default;
  Fiber& operator=(Fiber&& other) noexcept {
    if (this != &other) {
      detach();
      fiber_ = std::move(other.fiber_);
      outcome_ = std::move(other.outcome_);
    }
    return *this;
  }
  ~Fiber() { detach(); }

  /// True until join() or detach().
  bool joinable() const noexcept { return fiber_.joinable(); }

  /// Suspends the calling fiber (not its thread) until this fiber ends, then rethrows the
  /// exception that escaped it, if any. Throws std::system_error if not joinable.
  void join() {
    fiber_.join();
    std::exception_ptr error;
    {
      std::lock_guard lock(outcome_->mutex);
      error = std::exchange(outcome_->error, nullptr);
    }
    if (error) std::rethrow_exception(error);
  }

  /// Lets the fiber run on unobserved. A no-op if not joinable.
  void detach() noexcept {
    if (!fiber_.joinable()) return;
    fiber_.detach();
    std::exception_ptr error;
    {
      std::lock_guard lock(outcome_->mutex);
      outcome_->detached = true;
      error = std::exchange(outcome_->error, nullptr);
    }
    if (error) detail::report_unhandled(error);
  }

 private:
  boost::fibers::fiber fiber_;
  std::shared_ptr<detail::FiberOutcome> outcome_;
};

/// Starts `f()` in a new fiber of this thread; see the file comment. `f` is moved into
/// the fiber; its return value is discarded.
template <class F>
Fiber spawn(F&& f) {
  auto outcome = std::make_shared<detail::FiberOutcome>();
  auto live = std::make_unique<detail::LiveFiber>();
  boost::fibers::fiber fiber{std::allocator_arg, boost::context::protected_fixedsize_stack{},
                             [outcome, live = std::move(live), fn = std::forward<F>(f)]() mutable {
                               struct Done {
                                 std::unique_ptr<detail::LiveFiber>& live;
                                 ~Done() { live.reset(); }
                               } done{live};
                               try {
                                 fn();
                               } catch (...) {
                                 std::exception_ptr error = std::current_exception();
                                 bool report = false;
                                 {
                                   std::lock_guard lock(outcome->mutex);
                                   if (outcome->detached)
                                     report = true;
                                   else
                                     outcome->error = error;
                                 }
                                 if (report) detail::report_unhandled(error);
                               }
                             }};
  return Fiber{std::move(fiber), std::move(outcome)};
}

/// Lets the other ready fibers of this thread run, then continues.
inline void yield() { boost::this_fiber::yield(); }

/// Suspends the calling fiber (never its thread) for at least `duration`.
template <class Rep, class Period>
void sleep(std::chrono::duration<Rep, Period> duration) {
  boost::this_fiber::sleep_for(duration);
}

}  // namespace grant::fiber
