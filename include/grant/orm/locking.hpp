// Pessimistic locking support shared by Query<M>::lock() terminals and the record forms
// (Model::lock, Model::with_lock). Implemented in lib/orm/sql_lock.cpp.
//
// A row lock lives as long as the transaction that took it, so a locking read is only
// accepted inside a transaction on the same shard. SQLite has no row locks: there every
// transaction is a write transaction from its first statement (BEGIN IMMEDIATE), which
// already keeps every other writer out until it ends, and lock() adds no SQL.
#pragma once

#include <grant/connection.hpp>
#include <grant/orm/query_spec.hpp>

namespace grant::orm {

/// Throws grant::Error (naming model, shard and SQL) when `q` asks for a lock and `c` has
/// no open transaction. Runs inside the job, before the statement is sent.
void check_lock(const Connection& c, const QuerySpec& q);

}  // namespace grant::orm
