// grant::fiber::WaitGroup — Crystal's WaitGroup: wait until a counted set of fibers is done.
//
// Thread and fiber safety: add(), done() and wait() may be called at once from fibers of
// different threads; wait() suspends only the calling fiber. A WaitGroup must outlive
// every call on it.
#pragma once

#include <grant/errors.hpp>
#include <grant/fiber/spawn.hpp>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>

#include <cstdint>
#include <mutex>
#include <string>
#include <utility>

namespace grant::fiber {

/// add()/done() would take a WaitGroup's counter below zero.
class NegativeCounter : public grant::Error {
 public:
  explicit NegativeCounter(std::int64_t counter)
      : grant::Error("grant::fiber::WaitGroup: counter would become negative (" + std::to_string(counter) + ")") {}
};

class WaitGroup {
 public:
  /// Starts with `count` pending units of work (throws NegativeCounter if below zero).
  explicit WaitGroup(std::int64_t count = 0) { add(count); }
  WaitGroup(const WaitGroup&) = delete;
  WaitGroup& operator=(const WaitGroup&) = delete;

  /// Adds `n` (may be negative) to the counter. Throws NegativeCounter, changing nothing,
  /// if the counter would drop below zero. Reaching zero wakes every wait().
  void add(std::int64_t n) {
    std::unique_lock lock(mutex_);
    if (counter_ + n < 0) throw NegativeCounter(counter_ + n);
    counter_ += n;
    if (counter_ == 0) zero_.notify_all();
  }

  /// add(-1).
  void done() { add(-1); }

  /// Suspends the calling fiber until the counter is zero (returns at once if it is).
  void wait() {
    std::unique_lock lock(mutex_);
    zero_.wait(lock, [&] { return counter_ == 0; });
  }

  /// The counter now. For diagnostics: it may change right after.
  std::int64_t count() const {
    std::unique_lock lock(mutex_);
    return counter_;
  }

  /// Crystal's WaitGroup#spawn: add(1), spawn `f` in a fiber of this thread, done() when it
  /// ends (also when it throws; the exception is then reported as for a detached fiber).
  template <class F>
  void spawn(F&& f) {
    add(1);
    grant::fiber::spawn([this, fn = std::forward<F>(f)]() mutable {
      struct Done {
        WaitGroup* group;
        ~Done() { group->done(); }
      } done{this};
      fn();
    });
  }

 private:
  mutable boost::fibers::mutex mutex_;
  boost::fibers::condition_variable zero_;
  std::int64_t counter_ = 0;
};

}  // namespace grant::fiber
