// Shard::transaction: BEGIN/COMMIT/ROLLBACK, savepoints for nested calls, and the
// calling fiber's transaction context.
//
// Decisions (see also TxState in lib/runtime/pool.hpp):
//  - The outermost call checks out a Lease: it queues on the shard like a job (so it obeys
//    checkout_timeout: PoolTimeout), and the worker that takes it serves only this
//    transaction until it ends. The fiber waits on a promise, never blocking its thread.
//  - The context is per fiber (boost::fibers::fiber_specific_ptr), not per thread: two
//    fibers of one thread have independent transactions. A fiber spawned inside fn() is
//    outside the transaction (its statements take other connections).
//  - Nested calls on the same shard in the same fiber are savepoints grant_sp_2, _3, ...
//    An exception in a nested fn() rolls back to its savepoint and propagates; Rollback
//    rolls back to it and is swallowed, so the outer transaction keeps its own work.
//  - Any statement that fails inside the transaction marks it failed; at the end a failed
//    transaction rolls back and throws the first error, even if fn() caught it. Rolling
//    back to a savepoint clears failures inside that savepoint.
//  - Connection lost inside: later statements fail with ConnectionLost, nothing is
//    replayed, and the end of the transaction throws the ConnectionLost.
//  - Called from inside a job of the same shard (a worker thread), the transaction runs on
//    that job's connection: BEGIN, or a savepoint if the connection is already in a
//    transaction (ours, or one the job began itself with Connection::begin()).
#include <grant/errors.hpp>
#include <grant/runtime.hpp>

#include "lib/runtime/runtime_impl.hpp"

#include <boost/fiber/fss.hpp>

#include <deque>

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

// Runs a transaction-control step on the transaction's connection, in order with the
// statements issued before it, and waits for it (fiber-suspending).
template <class F>
void control(TxEntry& tx, F step) {
  if (!tx.lease) {
    step(*tx.worker);
    return;
  }
  Promise<bool> done;
  bool queued = tx.lease->push([done, step](Worker& w, std::chrono::microseconds) mutable {
    try {
      step(w);
      done.resolve(true);
    } catch (...) {
      done.reject(std::current_exception());
    }
  });
  if (!queued) throw Error("grant: the transaction on shard \"" + tx.shard->name + "\" has ended");
  done.get();
}

void nested(TxEntry& tx, const std::function<void()>& fn) {
  control(tx, [](Worker& w) { w.tx_savepoint(); });
  try {
    fn();
  } catch (const Rollback&) {
    control(tx, [](Worker& w) { w.tx_rollback_to(); });
    return;
  } catch (...) {
    try {
      control(tx, [](Worker& w) { w.tx_rollback_to(); });
    } catch (...) {
      // The caller's error says more than the failed ROLLBACK TO (usually a lost connection).
    }
    throw;
  }
  control(tx, [](Worker& w) { w.tx_release(); });
}

void outermost(TxEntry& tx, const std::function<void()>& fn) {
  control(tx, [](Worker& w) { w.tx_begin(); });
  try {
    fn();
  } catch (const Rollback&) {
    control(tx, [](Worker& w) { w.tx_rollback(); });
    return;
  } catch (...) {
    auto error = std::current_exception();
    bool lost = false;
    control(tx, [&lost](Worker& w) {  // `lost` is read only after this step completed
      w.tx_rollback();
      lost = w.broken();
    });
    rethrow_transaction_error(error, lost);
  }
  control(tx, [](Worker& w) { w.tx_commit(); });
}

// Pushes the entry on the fiber's stack for the lifetime of the call; releases the lease.
class Scope {
 public:
  explicit Scope(TxEntry entry) {
    auto& stack = tx_stack();
    if (!stack.get()) stack.reset(new TxStack);
    stack->push_back(std::move(entry));
    lease_ = stack->back().lease;
  }
  ~Scope() {
    tx_stack()->pop_back();
    if (lease_) lease_->release();
  }
  TxEntry& entry() { return tx_stack()->back(); }

 private:
  std::shared_ptr<Lease> lease_;
};

}  // namespace

TxEntry* current_transaction(const ShardImpl* shard) noexcept {
  TxStack* stack = tx_stack().get();
  if (!stack) return nullptr;
  for (auto it = stack->rbegin(); it != stack->rend(); ++it)
    if (it->shard == shard) return &*it;
  return nullptr;
}

}  // namespace detail

void Shard::transaction(const std::function<void()>& fn) const {
  using namespace detail;
  if (TxEntry* tx = current_transaction(impl_)) {
    nested(*tx, fn);
    return;
  }
  if (Worker* w = Worker::running_for(impl_->pool)) {
    Scope scope(TxEntry{impl_, nullptr, w});
    // Already in a transaction: ours (a lease), or one the job began on the connection.
    if (w->tx().depth > 0 || w->connection().in_transaction()) {
      nested(scope.entry(), fn);
    } else {
      outermost(scope.entry(), fn);
    }
    return;
  }
  auto lease = std::make_shared<Lease>();
  struct Release {
    Lease& lease;
    ~Release() { lease.release(); }
  } release{*lease};
  impl_->pool.enqueue_lease(lease);
  lease->acquired().get();  // PoolTimeout or a connection error
  Scope scope(TxEntry{impl_, lease, nullptr});
  outermost(scope.entry(), fn);
}

}  // namespace grant
