// Plain threads doing one operation in a loop for a fixed time: the raw ODBC side of the
// throughput workload, and both sides of the legacy-server workload.
#pragma once

#include "bench/common.hpp"

#include <functional>

namespace bench::workloads {

/// A rate and the client CPU behind it.
struct Rate {
  double ops_per_second = 0;
  double cpu_per_op = 0;  ///< µs of this process's CPU (every thread, user + system) per operation
};

/// One operation of one thread; throws on failure (e.g. a lookup that found nothing).
using Operation = std::function<void()>;

/// Starts `n` threads; thread i calls `make(i)` first (connect, prepare: before the clock) and
/// then the operation it returned until `seconds` have passed. The clock and the CPU count
/// start once every thread is ready. Throws if any thread failed.
Rate run_threads(int n, double seconds, const std::function<Operation(int)>& make, const std::string& who);

}  // namespace bench::workloads
