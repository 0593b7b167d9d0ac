// grant::async::AsyncResult<T> — the handle every async_* method returns (seed: AsyncResult(T)).
//
// It is a cheap, copyable handle to one shared operation: copies await the same result.
// Thread and fiber safety: as Promise<T>; any copy may be awaited from any fiber or thread.
//
// await() on an lvalue returns a const T& valid while any copy of the result lives;
// await() on an rvalue (`op().await()`, `std::move(r).await()`) returns the value, so
// `for (const auto& p : Post::async_all().await())` and `const auto& n = op().await();`
// never dangle. The value is moved out when this is the only copy (a Coordinator or a
// then() continuation holding one counts) and no reference was handed out; else copied.
#pragma once

#include <grant/async/promise.hpp>
#include <grant/errors.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <type_traits>

namespace grant::async {

template <class T>
class AsyncResult {
 public:
  using value_type = T;

  /// A result bound to `promise`. The operation that settles the promise is already under
  /// way (this is how every async_* method builds its result).
  explicit AsyncResult(Promise<T> promise) : promise_(std::move(promise)) { promise_.enlist_consumer(); }

  /// A result whose operation starts on the first start() or await().
  static AsyncResult deferred(std::function<void(Promise<T>)> starter) {
    AsyncResult r{Promise<T>{}};
    r.starter_ = std::make_shared<Starter>();
    r.starter_->fn = std::move(starter);
    return r;
  }

  /// An already settled result holding `value`.
  static AsyncResult ready(T value) {
    Promise<T> p;
    p.resolve(std::move(value));
    return AsyncResult{std::move(p)};
  }

  /// An already settled result holding `error`.
  static AsyncResult failed(std::exception_ptr error) {
    Promise<T> p;
    p.reject(std::move(error));
    return AsyncResult{std::move(p)};
  }

  /// Starts the operation if it has not started; a no-op otherwise.
  AsyncResult& start() {
    if (starter_) {
      std::call_once(starter_->once, [&] {
        try {
          starter_->fn(promise_.producer_copy());
        } catch (...) {
          promise_.reject(std::current_exception());
        }
      });
    }
    return *this;
  }

  /// Waits for the result without blocking other fibers of this thread, then returns it or
  /// rethrows the operation's error. May be called any number of times, from any fiber or
  /// thread: the same value or the same exception every time. The reference stays valid
  /// while any copy of this result lives.
  const T& await() & {
    start();
    return promise_.get();
  }

  /// As await(), on an rvalue: returns the value by value (moved out when this is the only
  /// copy, see the file comment). Throws std::logic_error if the value was moved out before.
  T await() && {
    start();
    return std::move(promise_).get();
  }

  /// Waits as await() does and rethrows the operation's error, without touching the value
  /// (it stays movable by a later rvalue await()).
  void wait() {
    start();
    promise_.wait();
  }

  /// As await(), but throws grant::async::Timeout if the result is not ready within
  /// `timeout`; the operation goes on and the result stays awaitable.
  const T& await_for(std::chrono::milliseconds timeout) & {
    start();
    if (const T* v = promise_.get_for(timeout)) return *v;
    throw_timeout(timeout);
  }

  /// As await_for(), on an rvalue: the value by value, as await() &&.
  T await_for(std::chrono::milliseconds timeout) && {
    start();
    if (auto v = std::move(promise_).get_for(timeout)) return std::move(*v);
    throw_timeout(timeout);
  }

  /// True once the operation finished, with a value or an error. Never blocks.
  bool completed() const noexcept { return promise_.completed(); }

  /// The underlying promise (seed: AsyncResult#promise).
  Promise<T>& promise() { return promise_; }
  const Promise<T>& promise() const { return promise_; }

  /// A result that applies `f` to this one's value. `f` runs once, on the thread that
  /// completes this result (a driver worker, or this thread if already complete): keep it
  /// short and do not await in it. An error here, or thrown by `f`, becomes the new
  /// result's error.
  template <class F>
  auto then(F f) -> AsyncResult<std::decay_t<std::invoke_result_t<F, const T&>>> {
    using U = std::decay_t<std::invoke_result_t<F, const T&>>;
    start();
    Promise<U> next;
    Promise<T> self = promise_;
    self.on_complete([self, next, f = std::move(f)]() mutable {
      try {
        next.resolve(f(self.peek()));
      } catch (...) {
        next.reject(std::current_exception());
      }
    });
    return AsyncResult<U>{next};
  }

 private:
  [[noreturn]] static void throw_timeout(std::chrono::milliseconds timeout) {
    throw Timeout("grant::AsyncResult: not completed within " + std::to_string(timeout.count()) + " ms");
  }

  struct Starter {
    std::once_flag once;
    std::function<void(Promise<T>)> fn;
  };
  Promise<T> promise_;
  std::shared_ptr<Starter> starter_;
};

}  // namespace grant::async

namespace grant {
using async::AsyncResult;
}
