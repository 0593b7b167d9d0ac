#include "bench/workloads/threads.hpp"

#include <atomic>
#include <latch>
#include <stdexcept>
#include <thread>
#include <vector>

namespace bench::workloads {

Rate run_threads(int n, double seconds, const std::function<Operation(int)>& make, const std::string& who) {
  std::atomic<std::int64_t> total{0};
  std::atomic<bool> failed{false};
  std::vector<Operation> ops(static_cast<std::size_t>(n));  // freed (disconnects) after the CPU count
  std::vector<std::thread> threads;
  std::latch ready(n), go(1);
  Clock::time_point stop;
  for (int i = 0; i < n; ++i)
    threads.emplace_back([&, i] {
      Operation& op = ops[static_cast<std::size_t>(i)];
      try {
        op = make(i);
      } catch (const std::exception& e) {
        note(who + " thread: " + e.what());
        failed = true;
      }
      ready.count_down();
      go.wait();
      if (!op) return;
      try {
        std::int64_t count = 0;
        while (Clock::now() < stop) {
          op();
          ++count;
        }
        total += count;
      } catch (const std::exception& e) {
        note(who + " thread: " + e.what());
        failed = true;
      }
    });
  ready.wait();
  const double cpu0 = process_cpu_micros();
  auto t0 = Clock::now();
  stop = t0 + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(seconds));
  go.count_down();
  for (auto& th : threads) th.join();
  const double elapsed = micros_since(t0) / 1e6;  // the last operations end after `stop`
  const double cpu = process_cpu_micros() - cpu0;
  if (failed) throw std::runtime_error(who + " failed");
  if (total == 0) throw std::runtime_error(who + ": no operation finished");
  const auto done = static_cast<double>(total.load());
  return {done / elapsed, cpu / done};
}

}  // namespace bench::workloads
