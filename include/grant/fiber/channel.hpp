// grant::fiber::Channel<T> — Crystal's Channel(T): fibers hand values to each other.
//
// Capacity 0 (the default) is unbuffered: send() returns once a receiver has taken the
// value. Capacity n > 0 buffers up to n values (any n, not only powers of two): send()
// waits only while the buffer is full. Values arrive in send order per sender; each value
// is received exactly once.
//
// close(): later send() calls throw ChannelClosed; receivers first drain what is buffered,
// then receive() returns std::nullopt. An unbuffered send still waiting when the channel
// closes throws ChannelClosed and its value is dropped (no receiver ever saw it).
//
// Thread and fiber safety: every member may be called at once from fibers of different
// threads (Boost.Fiber mutex and condition variable underneath); waiting suspends only
// the calling fiber. A Channel must outlive every call on it; share it by reference or
// std::shared_ptr.
#pragma once

#include <grant/errors.hpp>

#include <boost/fiber/condition_variable.hpp>
#include <boost/fiber/mutex.hpp>

#include <cstddef>
#include <cstdint>
#include <deque>
#include <mutex>
#include <optional>
#include <utility>

namespace grant::fiber {

/// send() on a closed channel.
class ChannelClosed : public grant::Error {
 public:
  ChannelClosed() : grant::Error("grant::fiber::Channel: send on a closed channel") {}
};

template <class T>
class Channel {
 public:
  /// `capacity` 0 = unbuffered (rendezvous), n = a buffer of n values.
  explicit Channel(std::size_t capacity = 0) : capacity_(capacity) {}
  Channel(const Channel&) = delete;
  Channel& operator=(const Channel&) = delete;

  /// Hands `value` over: waits while the buffer is full (buffered) or until a receiver took
  /// it (unbuffered). Throws ChannelClosed if the channel is or becomes closed first.
  void send(T value) {
    std::unique_lock lock(mutex_);
    if (capacity_ > 0) {
      not_full_.wait(lock, [&] { return closed_ || queue_.size() < capacity_; });
      if (closed_) throw ChannelClosed{};
      queue_.push_back(std::move(value));
      not_empty_.notify_one();
      return;
    }
    if (closed_) throw ChannelClosed{};
    queue_.push_back(std::move(value));
    const std::uint64_t ticket = ++sent_;
    not_empty_.notify_one();
    taken_cv_.wait(lock, [&] { return taken_ >= ticket || closed_; });
    if (taken_ < ticket) throw ChannelClosed{};  // close() dropped our value
  }

  /// The next value; waits while the channel is empty and open. std::nullopt once the
  /// channel is closed and drained.
  std::optional<T> receive() {
    std::unique_lock lock(mutex_);
    not_empty_.wait(lock, [&] { return closed_ || !queue_.empty(); });
    if (queue_.empty()) return std::nullopt;
    std::optional<T> value{std::move(queue_.front())};
    queue_.pop_front();
    if (capacity_ > 0) {
      not_full_.notify_one();
    } else {
      ++taken_;
      taken_cv_.notify_all();
    }
    return value;
  }

  /// Closes the channel and wakes every waiter. Idempotent.
  void close() {
    std::unique_lock lock(mutex_);
    if (closed_) return;
    closed_ = true;
    // Unbuffered values whose sender is still waiting were never received: the senders
    // throw, so the values must not be delivered either.
    if (capacity_ == 0) queue_.clear();
    not_empty_.notify_all();
    not_full_.notify_all();
    taken_cv_.notify_all();
  }

  /// True once close() was called (there may still be buffered values to receive).
  bool closed() const {
    std::unique_lock lock(mutex_);
    return closed_;
  }

  std::size_t capacity() const noexcept { return capacity_; }

 private:
  const std::size_t capacity_;
  mutable boost::fibers::mutex mutex_;
  boost::fibers::condition_variable not_empty_;  // receivers wait here
  boost::fibers::condition_variable not_full_;   // buffered senders wait here
  boost::fibers::condition_variable taken_cv_;   // unbuffered senders wait for their value to be taken
  std::deque<T> queue_;
  std::uint64_t sent_ = 0;   // unbuffered: values ever queued
  std::uint64_t taken_ = 0;  // unbuffered: values ever received
  bool closed_ = false;
};

}  // namespace grant::fiber
