// Shard::transaction and every piece of transaction state: the calling fiber's open
// transactions (TxEntry), each slot's TxState, BEGIN/COMMIT/ROLLBACK and savepoints.
//
// Decisions:
//  - Where it runs. Called from a thread that may block (lib/runtime/execute.hpp), the
//    outermost call checks out a slot on the calling thread (PoolTimeout after
//    checkout_timeout) and runs BEGIN, the statements and COMMIT there. From a fiber with
//    siblings it checks out a Lease: it queues like a job, and the worker that takes it
//    serves only this transaction until it ends; the fiber waits on promises, never
//    blocking its thread. A transaction that began on its own slot and then gains sibling
//    fibers (it spawned some) moves its remaining steps to a worker through a lease pinned
//    to that slot, so it never blocks them either.
//  - Every statement of the fiber on that shard inside fn(), sync or async, runs on the
//    transaction's connection in issue order, before the COMMIT (an async op on the
//    caller's own slot runs at once, inline: it is started, and it sees the rows).
//  - The context is per fiber (boost::fibers::fiber_specific_ptr), not per thread: two
//    fibers of one thread have independent transactions. A fiber spawned inside fn() is
//    outside the transaction. The per-fiber stack is freed when its last entry ends (a
//    thread's main fiber never runs the fiber-specific cleanup, so keeping it would leak
//    one stack per thread).
//  - Nested calls on the same shard in the same fiber are savepoints grant_sp_2, _3, ...
//    An exception in a nested fn() rolls back to its savepoint and propagates; Rollback
//    rolls back to it and is swallowed, so the outer transaction keeps its own work.
//  - Any statement that fails inside the transaction marks it failed (TxState); at the end
//    a failed transaction rolls back and throws the first error, even if fn() caught it.
//    Rolling back to a savepoint clears failures inside that savepoint.
//  - Connection lost inside: later statements fail with ConnectionLost, nothing is
//    replayed, and the end of the transaction throws the ConnectionLost.
//  - Called from inside an operation of the same shard, the transaction runs on that
//    operation's connection: BEGIN, or a savepoint if the connection is already in a
//    transaction (ours, or one the operation began itself with Connection::begin()).
#include "lib/runtime/transaction.hpp"

#include <grant/errors.hpp>
#include <grant/runtime.hpp>

#include "lib/runtime/execute.hpp"
#include "lib/runtime/runtime_impl.hpp"

#include <boost/fiber/fss.hpp>

#include <deque>
#include <optional>

namespace grant {
namespace detail {
namespace {

// A deque: pushing an entry for another shard must not move the entries that outer
// transaction() frames hold references to.
using TxStack = std::deque<TxEntry>;

boost::fibers::fiber_specific_ptr<TxStack>& tx_stack() {
  static boost::fibers::fiber_specific_ptr<TxStack> stack;
  return stack;
}

std::string savepoint_name(int depth) { return "grant_sp_" + std::to_string(depth); }

[[noreturn]] void throw_lost(const Pool& pool) {
  throw ConnectionLost("08003", 0, "the connection was lost inside a transaction; its statements are not replayed", "",
                       pool.settings().shard);
}

Connection& live(Pool& pool, Slot& slot) {
  if (!slot.connection || slot.connection->broken()) throw_lost(pool);
  return *slot.connection;
}

bool broken(const Slot& slot) { return !slot.connection || slot.connection->broken(); }

void tx_rollback(Pool& pool, Slot& slot) noexcept {
  bool held = slot.tx.held;
  slot.tx = TxState{};
  slot.tx.held = held;
  if (broken(slot)) return;  // the server has rolled it back already
  try {
    slot.connection->rollback();
  } catch (const std::exception& e) {
    pool.instruments().log().warn("[{}] ROLLBACK failed: {}", pool.settings().shard, e.what());
  }
}

void tx_begin(Pool& pool, Slot& slot) {
  if (slot.tx.held && slot.connection && slot.connection->broken()) throw_lost(pool);
  pool.connect(slot).begin();
  bool held = slot.tx.held;
  slot.tx = TxState{};
  slot.tx.held = held;
  slot.tx.depth = 1;
}

void tx_savepoint(Pool& pool, Slot& slot) {
  live(pool, slot).savepoint(savepoint_name(slot.tx.depth + 1));
  ++slot.tx.depth;
}

void tx_release(Pool& pool, Slot& slot) {
  int level = slot.tx.depth;
  live(pool, slot).release(savepoint_name(level));
  --slot.tx.depth;
  if (slot.tx.error && slot.tx.error_level > slot.tx.depth) slot.tx.error_level = slot.tx.depth;
}

void tx_rollback_to(Pool& pool, Slot& slot) {
  TxState& tx = slot.tx;
  int level = tx.depth;
  --tx.depth;  // the fiber leaves this level whatever happens below
  Connection& c = live(pool, slot);
  c.rollback_to(savepoint_name(level));
  c.release(savepoint_name(level));
  if (tx.error && tx.error_level >= level) {
    tx.error = nullptr;
    tx.error_level = 0;
    tx.error_synthesized = false;
  }
}

void tx_commit(Pool& pool, Slot& slot) {
  if (slot.tx.error) {
    auto error = slot.tx.error;
    tx_rollback(pool, slot);
    rethrow_transaction_error(error, broken(slot));
  }
  if (broken(slot)) {
    tx_rollback(pool, slot);
    throw_lost(pool);
  }
  try {
    slot.connection->commit();
  } catch (...) {
    tx_rollback(pool, slot);
    throw;
  }
  slot.tx = TxState{};
  slot.tx.held = true;  // committed; the slot stays the transaction's until its scope ends
}

// The lease of `tx`, pinning one to its own slot first if it has none: the steps that
// follow run on a worker, in order, so the caller's thread is free for its new fibers.
Lease& lease_of(TxEntry& tx) {
  if (!tx.lease) {
    auto lease = std::make_shared<Lease>();
    lease->pinned = tx.slot;
    tx.shard->pool.enqueue_lease(lease);
    tx.lease = std::move(lease);
  }
  return *tx.lease;
}

bool runs_here(const TxEntry& tx) { return !tx.lease && (!tx.owned || may_block()); }

// Runs a transaction-control step on the transaction's connection, in order with the
// statements issued before it, and waits for it (fiber-suspending on a lease).
template <class F>
void control(TxEntry& tx, F step) {
  if (runs_here(tx)) {
    step(tx.shard->pool, *tx.slot);
    return;
  }
  Promise<bool> done;
  bool queued = lease_of(tx).push(Lease::Control([done, step](Pool& pool, Slot& slot) mutable {
    try {
      step(pool, slot);
      done.resolve(true);
    } catch (...) {
      done.reject(std::current_exception());
    }
  }));
  if (!queued) throw Error("grant: the transaction on shard \"" + tx.shard->name + "\" has ended");
  done.get();
}

void nested(TxEntry& tx, const std::function<void()>& fn) {
  control(tx, tx_savepoint);
  try {
    fn();
  } catch (const Rollback&) {
    control(tx, tx_rollback_to);
    return;
  } catch (...) {
    try {
      control(tx, tx_rollback_to);
    } catch (...) {
      // The caller's error says more than the failed ROLLBACK TO (usually a lost connection).
    }
    throw;
  }
  control(tx, tx_release);
}

void outermost(TxEntry& tx, const std::function<void()>& fn) {
  control(tx, tx_begin);
  try {
    fn();
  } catch (const Rollback&) {
    control(tx, tx_rollback);
    return;
  } catch (...) {
    auto error = std::current_exception();
    bool lost = false;
    control(tx, [&lost](Pool& pool, Slot& slot) {  // `lost` is read only after this step completed
      tx_rollback(pool, slot);
      lost = broken(slot);
    });
    rethrow_transaction_error(error, lost);
  }
  control(tx, tx_commit);
}

// Pushes the entry on the fiber's stack for the lifetime of the call; at the end releases
// the lease and gives back a slot the transaction checked out itself.
class Scope {
 public:
  explicit Scope(TxEntry entry) {
    auto& stack = tx_stack();
    if (!stack.get()) stack.reset(new TxStack);
    stack->push_back(std::move(entry));
  }
  ~Scope() {
    TxEntry entry = std::move(tx_stack()->back());
    tx_stack()->pop_back();
    if (tx_stack()->empty()) tx_stack().reset(nullptr);
    if (entry.lease) {
      entry.lease->release();
      if (entry.owned) {
        try {
          entry.lease->finished().get();  // the worker is done with our slot
        } catch (...) {
        }
      }
    }
    if (entry.owned) {
      Pool& pool = entry.shard->pool;
      if (entry.slot->tx.depth > 0) tx_rollback(pool, *entry.slot);
      entry.slot->tx.held = false;
      pool.checkin(*entry.slot);
    }
  }
  TxEntry& entry() { return tx_stack()->back(); }
};

}  // namespace

TxEntry* current_transaction(const ShardImpl* shard) noexcept {
  TxStack* stack = tx_stack().get();
  if (!stack) return nullptr;
  for (auto it = stack->rbegin(); it != stack->rend(); ++it)
    if (it->shard == shard) return &*it;
  return nullptr;
}

void run_in_transaction(TxEntry& tx, const std::shared_ptr<Operation>& op) noexcept {
  Pool& pool = tx.shard->pool;
  op->claimed.store(true, std::memory_order_relaxed);
  try {
    if (runs_here(tx)) {
      execute(pool, *tx.slot, *op, std::chrono::microseconds{0});
      return;
    }
    if (lease_of(tx).push(op)) return;
    pool.instruments().fail_operation(
        tx.shard->name, *op, std::make_exception_ptr(Error("grant: the transaction on shard \"" + tx.shard->name + "\" has ended")));
  } catch (...) {
    pool.instruments().fail_operation(tx.shard->name, *op, std::current_exception());
  }
}

void note_failure(Slot& slot, std::exception_ptr error) noexcept {
  TxState& tx = slot.tx;
  if (tx.depth == 0) return;
  try {
    std::rethrow_exception(error);
  } catch (const DatabaseError&) {
    if (!tx.error) {
      tx.error_level = tx.depth;
    } else if (!tx.error_synthesized) {
      return;
    }
    tx.error = error;
    tx.error_synthesized = false;
  } catch (...) {
  }
}

void note_failed_statement(Slot& slot, const std::string& sql, const std::string& shard) noexcept {
  TxState& tx = slot.tx;
  if (tx.depth == 0 || tx.error) return;
  try {
    tx.error = std::make_exception_ptr(DatabaseError(
        "", 0, "a statement failed inside the transaction (its error was caught); the transaction is rolled back", sql,
        shard));
    tx.error_level = tx.depth;
    tx.error_synthesized = true;
  } catch (...) {
  }
}

void abandon_transaction(Pool& pool, Slot& slot) noexcept {
  if (slot.tx.depth > 0) tx_rollback(pool, slot);
}

}  // namespace detail

void Shard::transaction(const std::function<void()>& fn) const {
  using namespace detail;
  Pool& pool = impl_->pool;
  if (TxEntry* tx = current_transaction(impl_)) {
    nested(*tx, fn);
    return;
  }
  if (Slot* slot = running_for(pool)) {
    Scope scope(TxEntry{impl_, slot, false, nullptr});
    // Already in a transaction: ours, or one the operation began on the connection.
    if (slot->tx.depth > 0 || (slot->connection && slot->connection->in_transaction())) {
      nested(scope.entry(), fn);
    } else {
      outermost(scope.entry(), fn);
    }
    return;
  }
  if (may_block()) {
    Slot& slot = pool.checkout(Clock::now());  // PoolTimeout
    slot.tx = TxState{};
    slot.tx.held = true;
    std::optional<Scope> scope;
    try {
      scope.emplace(TxEntry{impl_, &slot, true, nullptr});
    } catch (...) {
      slot.tx.held = false;
      pool.checkin(slot);
      throw;
    }
    outermost(scope->entry(), fn);
    return;
  }
  auto lease = std::make_shared<Lease>();
  struct Release {
    Lease& lease;
    ~Release() { lease.release(); }
  } release{*lease};
  pool.enqueue_lease(lease);
  lease->acquired().get();  // PoolTimeout or a connection error
  Scope scope(TxEntry{impl_, nullptr, false, lease});
  outermost(scope.entry(), fn);
}

}  // namespace grant
