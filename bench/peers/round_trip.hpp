// A reference, not a peer library: one condition-variable round trip to a thread that
// sleeps until asked. Any design that hands a query to another thread and sleeps until the
// answer comes back (Grant's driver workers) pays at least this per statement.
#pragma once

#include <condition_variable>
#include <mutex>
#include <thread>

namespace bench::peers {

class RoundTrip {
 public:
  RoundTrip() : worker_([this] { serve(); }) {}
  ~RoundTrip() {
    {
      std::lock_guard lock(mutex_);
      state_ = State::stop;
    }
    to_worker_.notify_one();
    worker_.join();
  }
  RoundTrip(const RoundTrip&) = delete;
  RoundTrip& operator=(const RoundTrip&) = delete;

  /// Wakes the worker and sleeps until it answers.
  bool round_trip() {
    {
      std::lock_guard lock(mutex_);
      state_ = State::asked;
    }
    to_worker_.notify_one();
    std::unique_lock lock(mutex_);
    to_caller_.wait(lock, [&] { return state_ == State::answered; });
    state_ = State::idle;
    return true;
  }

 private:
  enum class State { idle, asked, answered, stop };
  void serve() {
    std::unique_lock lock(mutex_);
    for (;;) {
      to_worker_.wait(lock, [&] { return state_ == State::asked || state_ == State::stop; });
      if (state_ == State::stop) return;
      state_ = State::answered;
      to_caller_.notify_one();
    }
  }

  std::mutex mutex_;
  std::condition_variable to_worker_, to_caller_;
  State state_ = State::idle;
  std::thread worker_;  // last: starts after the members it uses exist
};

}  // namespace bench::peers
