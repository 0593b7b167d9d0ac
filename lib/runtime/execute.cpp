// execute(): one operation on one slot, on the calling thread. may_block(): may this
// thread wait in the kernel without holding up another fiber.
#include "lib/runtime/execute.hpp"

#include <grant/errors.hpp>
#include <grant/fiber/spawn.hpp>

#include "lib/runtime/transaction.hpp"

#include <boost/fiber/context.hpp>

namespace grant::detail {
namespace {

// Which operation this thread runs now. Not fiber state: an operation runs to its end on
// the thread that claimed it (inline execution happens only where the thread may block,
// and workers run no fibers), so it answers "is this thread inside an operation of this
// pool?", the question that keeps a nested query from queueing behind itself.
thread_local Running* running_top = nullptr;

}  // namespace

Running* running_here() noexcept { return running_top; }

Slot* running_for(const Pool& pool) noexcept {
  for (Running* r = running_top; r; r = r->outer)
    if (r->pool == &pool) return r->slot;
  return nullptr;
}

bool may_block() noexcept {
  if (fiber::detail::live_fibers_here() != 0) return false;
  // A fiber that is not the thread's main fiber has at least the main fiber as a sibling.
  // (scheduler::has_ready_fibers() cannot help here: Boost.Fiber 1.74 keeps the dispatcher
  // context in the ready queue whenever another fiber runs, so it is always true.)
  return boost::fibers::context::active()->is_context(boost::fibers::type::main_context);
}

void execute(Pool& pool, Slot& slot, Operation& op, std::chrono::microseconds queue_wait) noexcept {
  Instruments& in = pool.instruments();
  const std::string& shard = pool.settings().shard;
  Connection* connection = nullptr;
  try {
    if (slot.tx.held && (!slot.connection || slot.connection->broken()))
      throw ConnectionLost("08003", 0, "the connection was lost inside a transaction; its statements are not replayed",
                           "", shard);
    connection = &pool.connect(slot);
  } catch (...) {
    auto error = std::current_exception();
    note_failure(slot, error);
    in.fail_operation(shard, op, error);
    return;
  }
  auto saved_wait = slot.queue_wait;
  bool saved_async = slot.async;
  slot.queue_wait = queue_wait;
  slot.async = op.async;
  Running running{&pool, &slot, running_top};
  running_top = &running;
  auto started = Clock::now();
  std::exception_ptr error = op.run(*connection);
  running_top = running.outer;
  slot.queue_wait = saved_wait;
  slot.async = saved_async;
  slot.last_used = Clock::now();
  if (error) note_failure(slot, error);
  in.count_job(!error);
  in.job_done(shard, op.async, queue_wait, std::chrono::duration_cast<std::chrono::microseconds>(slot.last_used - started),
              !error);
  op.settle();
}

}  // namespace grant::detail
