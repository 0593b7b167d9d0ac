// Locking SQL: the row-lock clause of lock() reads, and the optimistic-locking forms of a
// record's UPDATE and DELETE (WHERE pk = ? AND lock_version = ?).
#include "sql_build.hpp"

#include <grant/errors.hpp>
#include <grant/orm/locking.hpp>

namespace grant::orm {

namespace sql {

void locking(Builder& b, const QuerySpec& q, const Dialect& d) {
  if (q.lock != LockMode::none) b << d.lock_clause(q.lock);
}

Statement update_locked(const TableInfo& t, const Dialect& d, const std::vector<std::size_t>& columns,
                        const std::vector<Value>& values, const Value& key, const Value& version) {
  // The plain UPDATE by primary key, narrowed to the version the record was read with.
  Statement s = update(t, d, columns, values, key);
  s.sql += " AND " + d.quote(t.columns.at(*t.lock_version).name) + " = ?";
  s.params.push_back(version);
  return s;
}

Statement destroy_locked(const TableInfo& t, const Dialect& d, const Value& key, const Value& version) {
  Builder b;
  b << "DELETE FROM " << d.quote(t.table) << " WHERE " << d.quote(t.pk().name) << " = ";
  b.bind(key);
  b << " AND " << d.quote(t.columns.at(*t.lock_version).name) << " = ";
  b.bind(version);
  return std::move(b).done();
}

}  // namespace sql

void check_lock(const Connection& c, const QuerySpec& q) {
  if (q.lock == LockMode::none || c.in_transaction()) return;
  throw Error(q.table->model + ": lock() outside a transaction on shard " + c.shard() +
              " would hold its row locks for no statement after this one; call it inside " +
              q.table->model + "::transaction(...) or use with_lock(...): " + sql::select(q, c.dialect()).sql);
}

}  // namespace grant::orm
