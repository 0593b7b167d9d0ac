// Transaction state, one owner: lib/runtime/transaction.cpp. The calling fiber's open
// transactions (TxEntry) and each slot's TxState are read and written only there; the
// executor reports failures through note_failure / note_failed_statement. Internal.
#pragma once

#include "lib/runtime/pool.hpp"

#include <exception>
#include <memory>

namespace grant::detail {

class ShardImpl;

/// One transaction of the calling fiber on one shard. Exactly one of:
///  - `slot` set, `owned`: the transaction checked the slot out on this thread and runs
///    its statements here (the caller could block when it began);
///  - `slot` set, not `owned`: it began inside an operation running on this thread and
///    uses that operation's slot;
///  - `lease` set: a worker serves its statements in order (the caller must not block, or
///    it began on its own slot and later gained sibling fibers: then the lease is pinned
///    to that slot).
struct TxEntry {
  ShardImpl* shard = nullptr;
  Slot* slot = nullptr;
  bool owned = false;
  std::shared_ptr<Lease> lease;
};

/// The calling fiber's open transaction on `shard`, or nullptr. Fiber-specific
/// (boost::fibers::fiber_specific_ptr), so two fibers of one thread never share one.
TxEntry* current_transaction(const ShardImpl* shard) noexcept;

/// Routes `op` to the transaction: inline on its slot when this thread holds the slot and
/// may block (or the transaction borrowed a running operation's slot), else to its lease
/// (pinning one to the transaction's slot first if needed). The op is claimed.
void run_in_transaction(TxEntry& tx, const std::shared_ptr<Operation>& op) noexcept;

/// A failed operation on `slot` (its error): marks an open transaction failed.
void note_failure(Slot& slot, std::exception_ptr error) noexcept;
/// A statement on `slot` failed, whether or not the operation caught it.
void note_failed_statement(Slot& slot, const std::string& sql, const std::string& shard) noexcept;
/// Rolls back whatever transaction is left open on `slot` (a lease that ended without
/// COMMIT or ROLLBACK). Never throws.
void abandon_transaction(Pool& pool, Slot& slot) noexcept;

}  // namespace grant::detail
