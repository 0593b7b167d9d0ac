// grant::async::Coordinator and ResultCoordinator<T> — wait for a group of async operations
// together: scatter-gather across shards.
//
// Both start every operation when it is added, so the group runs concurrently; await_all()
// then waits for all of them (no fail-fast: a failure never cuts the wait short) and keeps
// results and errors in insertion order. Operations added after an await_all() are waited
// for by the next one; a second await_all() with nothing new returns at once.
//
// Values: on an lvalue, CoordinatorResults::get<T>(i) and ResultCoordinator::await_all()
// return references valid while the coordinator (or the results object) lives; on an
// rvalue (`c.await_all().get<T>(0)`, `std::move(counts).await_all()`) they return values,
// moved when nothing else holds them, so one-line uses never dangle.
//
// Thread and fiber safety: a coordinator belongs to the fiber that fills it; do not share
// one between fibers without a lock. Waiting suspends only that fiber. The operations
// themselves may be completed by any thread.
#pragma once

#include <grant/async/async_result.hpp>
#include <grant/errors.hpp>

#include <boost/core/demangle.hpp>

#include <cstddef>
#include <exception>
#include <functional>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace grant::async {

namespace detail {

/// what() of an exception_ptr's exception; "unknown exception" if it is not a std::exception.
inline std::string describe(const std::exception_ptr& error) {
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    return e.what();
  } catch (...) {
    return "unknown exception";
  }
}

/// CoordinationError listing every non-null entry of `errors`, or nothing if all are null.
inline void throw_if_failed(const std::vector<std::exception_ptr>& errors) {
  std::vector<CoordinationError::Failure> failures;
  for (std::size_t i = 0; i < errors.size(); ++i)
    if (errors[i]) failures.push_back({i, describe(errors[i])});
  if (!failures.empty()) throw CoordinationError(std::move(failures));
}

/// One operation of a Coordinator, whatever its result type.
struct AnyOperation {
  virtual ~AnyOperation() = default;
  /// Waits; returns the operation's error (the very exception_ptr it failed with), or null.
  virtual std::exception_ptr wait() noexcept = 0;
  virtual std::string type_name() const = 0;
};

template <class T>
struct Operation final : AnyOperation {
  explicit Operation(AsyncResult<T> r) : result(std::move(r)) {}
  std::exception_ptr wait() noexcept override {
    try {
      result.wait();  // leaves the value movable for an rvalue get<T>()
      return nullptr;
    } catch (...) {
      std::exception_ptr own = result.promise().error();
      return own ? own : std::current_exception();
    }
  }
  std::string type_name() const override { return boost::core::demangle(typeid(T).name()); }
  AsyncResult<T> result;
};

}  // namespace detail

/// The outcome of Coordinator::await_all(): one entry per operation, in insertion order.
/// A snapshot: it keeps the operations' results alive and does not see operations added
/// to the coordinator later.
class CoordinatorResults {
 public:
  CoordinatorResults() = default;
  CoordinatorResults(std::vector<std::shared_ptr<detail::AnyOperation>> ops, std::vector<std::exception_ptr> errors)
      : ops_(std::move(ops)), errors_(std::move(errors)) {}

  /// Number of operations.
  std::size_t size() const noexcept { return ops_.size(); }

  /// The value of operation `i`, whose AsyncResult had type T exactly. Rethrows that
  /// operation's error if it failed. Throws std::out_of_range for a bad index and
  /// grant::ConversionError when T is not the operation's type.
  template <class T>
  const T& get(std::size_t i) const& {
    return operation<T>(i).result.promise().peek();
  }

  /// As get(), on an rvalue (`c.await_all().get<T>(0)`): the value itself, moved out when
  /// no coordinator, other results object or AsyncResult copy still holds it, else a copy.
  template <class T>
  T get(std::size_t i) && {
    auto& op = operation<T>(i);
    if (ops_[i].use_count() == 1) return std::move(op.result).await();
    return op.result.promise().peek();
  }

  /// True if operation `i` succeeded.
  bool ok(std::size_t i) const { return !errors_.at(i); }

  /// Index-aligned errors: null where the operation succeeded.
  const std::vector<std::exception_ptr>& errors() const noexcept { return errors_; }

 private:
  template <class T>
  detail::Operation<T>& operation(std::size_t i) const {
    if (i >= ops_.size())
      throw std::out_of_range("grant::async::Coordinator: no result " + std::to_string(i) + " (size " +
                              std::to_string(ops_.size()) + ")");
    if (errors_[i]) std::rethrow_exception(errors_[i]);
    auto* op = dynamic_cast<detail::Operation<T>*>(ops_[i].get());
    if (!op)
      throw grant::ConversionError("grant::async::Coordinator: result " + std::to_string(i) + " holds " +
                                   ops_[i]->type_name() + ", asked for " + boost::core::demangle(typeid(T).name()));
    return *op;
  }

  std::vector<std::shared_ptr<detail::AnyOperation>> ops_;
  std::vector<std::exception_ptr> errors_;
};

/// Waits for operations of any result types (seed: Grant::Async::Coordinator).
///
///   grant::async::Coordinator c;
///   c.add(User::async_count());            // 0
///   c.add(Post::async_all());              // 1
///   auto results = c.await_all();          // never throws for a failed operation
///   std::int64_t users = results.get<std::int64_t>(0);   // rethrows op 0's error
class Coordinator {
 public:
  /// Starts `result` (if deferred) and adds it; returns its index: 0, 1, 2, ...
  template <class T>
  std::size_t add(AsyncResult<T> result) {
    result.start();
    ops_.push_back(std::make_shared<detail::Operation<T>>(std::move(result)));
    errors_.push_back(nullptr);
    return ops_.size() - 1;
  }

  /// Waits for every operation not yet waited for, then returns all results. Never throws
  /// for a failed operation: see errors() and CoordinatorResults::get().
  CoordinatorResults await_all() & {
    wait_all();
    return CoordinatorResults{ops_, errors_};
  }

  /// As await_all(), on an rvalue coordinator: the results take its operations over, so
  /// their rvalue get<T>() moves the values out.
  CoordinatorResults await_all() && {
    wait_all();
    return CoordinatorResults{std::move(ops_), std::move(errors_)};
  }

  /// As await_all(), then throws CoordinationError (listing "index: message" for each
  /// failure) if any operation failed.
  CoordinatorResults await_all_or_throw() & {
    wait_all();
    detail::throw_if_failed(errors_);
    return CoordinatorResults{ops_, errors_};
  }
  CoordinatorResults await_all_or_throw() && {
    wait_all();
    detail::throw_if_failed(errors_);
    return CoordinatorResults{std::move(ops_), std::move(errors_)};
  }

  /// Index-aligned errors, null where the operation succeeded (or was not awaited yet).
  const std::vector<std::exception_ptr>& errors() const noexcept { return errors_; }

  /// Number of operations added.
  std::size_t size() const noexcept { return ops_.size(); }

 private:
  void wait_all() {
    for (; awaited_ < ops_.size(); ++awaited_) errors_[awaited_] = ops_[awaited_]->wait();
  }

  std::vector<std::shared_ptr<detail::AnyOperation>> ops_;
  std::vector<std::exception_ptr> errors_;
  std::size_t awaited_ = 0;
};

/// Waits for operations that all yield a T, or a std::optional<T> (seed:
/// Grant::Async::ResultCoordinator(T)). await_all() gives std::vector<std::optional<T>>:
/// a failed operation's entry is std::nullopt and its error is in errors().
///
///   grant::async::ResultCoordinator<std::int64_t> counts;
///   for (auto shard : {"shard_1", "shard_2", "shard_3"}) counts.add(User::shard(shard).async_count());
///   std::int64_t total_users = counts.sum();
template <class T>
class ResultCoordinator {
 public:
  /// Starts and adds an operation yielding std::optional<T> (async_find, async_first, ...).
  std::size_t add(AsyncResult<std::optional<T>> result) {
    result.start();
    return push([r = std::move(result)](std::exception_ptr& error) mutable -> std::optional<T> {
      try {
        return std::move(r).await();  // this waiter runs once: move unless a copy is held elsewhere
      } catch (...) {
        std::exception_ptr own = r.promise().error();
        error = own ? own : std::current_exception();
        return std::nullopt;
      }
    });
  }

  /// Starts and adds an operation yielding T (async_find_or_throw, async_count, ...).
  std::size_t add(AsyncResult<T> result) {
    result.start();
    return push([r = std::move(result)](std::exception_ptr& error) mutable -> std::optional<T> {
      try {
        return std::optional<T>{std::move(r).await()};
      } catch (...) {
        std::exception_ptr own = r.promise().error();
        error = own ? own : std::current_exception();
        return std::nullopt;
      }
    });
  }

  /// Waits for every operation not yet waited for; returns all values in insertion order
  /// (std::nullopt where an operation failed or found nothing). Never throws for a failed
  /// operation. The reference stays valid while the coordinator lives (later adds append).
  const std::vector<std::optional<T>>& await_all() & {
    wait_all();
    return values_;
  }

  /// As await_all(), on an rvalue coordinator: the values, moved out.
  std::vector<std::optional<T>> await_all() && {
    wait_all();
    return std::move(values_);
  }

  /// As await_all(), then throws CoordinationError if any operation failed.
  const std::vector<std::optional<T>>& await_all_or_throw() & {
    wait_all();
    detail::throw_if_failed(errors_);
    return values_;
  }
  std::vector<std::optional<T>> await_all_or_throw() && {
    wait_all();
    detail::throw_if_failed(errors_);
    return std::move(values_);
  }

  /// Waits for all, then adds up the present values (T{} when there are none). A failed
  /// operation contributes nothing: check errors(), or call await_all_or_throw() first,
  /// when a missing part must not go unnoticed.
  T sum()
    requires std::is_arithmetic_v<T>
  {
    T total{};
    for (const auto& v : await_all())
      if (v) total += *v;
    return total;
  }

  /// Index-aligned errors, null where the operation succeeded (or was not awaited yet).
  const std::vector<std::exception_ptr>& errors() const noexcept { return errors_; }

  /// Number of operations added.
  std::size_t size() const noexcept { return waiters_.size(); }

 private:
  void wait_all() {
    for (; awaited_ < waiters_.size(); ++awaited_) values_[awaited_] = waiters_[awaited_](errors_[awaited_]);
  }

  using Waiter = std::function<std::optional<T>(std::exception_ptr&)>;
  std::size_t push(Waiter waiter) {
    waiters_.push_back(std::move(waiter));
    values_.emplace_back();
    errors_.push_back(nullptr);
    return waiters_.size() - 1;
  }

  std::vector<Waiter> waiters_;
  std::vector<std::optional<T>> values_;
  std::vector<std::exception_ptr> errors_;
  std::size_t awaited_ = 0;
};

}  // namespace grant::async
