// grant::test::ConnectionHolder — keeps one connection of a shard checked out, from another
// thread, until release() or destruction: for tests of an exhausted pool.
#pragma once

#include <grant/runtime.hpp>

#include <atomic>
#include <chrono>
#include <thread>

namespace grant::test {

class ConnectionHolder {
 public:
  /// Returns once a plain thread holds a connection of `shard` inside an open transaction.
  explicit ConnectionHolder(grant::Shard shard) {
    thread_ = std::thread([this, shard] {
      shard.transaction([this] {
        holding_ = true;
        while (!release_) std::this_thread::sleep_for(std::chrono::milliseconds{1});
      });
    });
    while (!holding_) std::this_thread::sleep_for(std::chrono::milliseconds{1});
  }
  ~ConnectionHolder() { release(); }
  ConnectionHolder(const ConnectionHolder&) = delete;
  ConnectionHolder& operator=(const ConnectionHolder&) = delete;

  /// Commits the holder's (empty) transaction and returns its connection to the pool.
  void release() {
    release_ = true;
    if (thread_.joinable()) thread_.join();
  }

 private:
  std::atomic<bool> holding_{false}, release_{false};
  std::thread thread_;
};

}  // namespace grant::test
