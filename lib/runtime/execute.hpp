// Running one operation on one slot, on whatever thread holds the slot (a worker, or a
// caller that runs its own statement), and the rule that decides whether a caller may
// block its thread. Internal to the library.
#pragma once

#include "lib/runtime/pool.hpp"

#include <chrono>

namespace grant::detail {

/// What this thread is running now: a stack, because an operation may run another one
/// inline (a model callback querying its own shard).
struct Running {
  Pool* pool;
  Slot* slot;
  Running* outer;
};

/// The innermost operation running on this thread, or null.
Running* running_here() noexcept;
/// The slot this thread is running an operation of `pool` on, or null.
Slot* running_for(const Pool& pool) noexcept;

/// Runs `op` on `slot` (connection opened as needed) on the calling thread: times it,
/// counts it (Metrics), applies the transaction failure rule, then settles its promise.
/// Never throws. The caller must have claimed `op`.
void execute(Pool& pool, Slot& slot, Operation& op, std::chrono::microseconds queue_wait) noexcept;

/// Whether the calling thread may block without holding up another fiber: the caller is
/// the thread's main fiber and no fiber started by grant::fiber::spawn is alive on this
/// thread. docs/threading.md states what it cannot see (fibers started with
/// boost::fibers::fiber directly).
bool may_block() noexcept;

}  // namespace grant::detail
