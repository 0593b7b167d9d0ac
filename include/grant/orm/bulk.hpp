// Bulk writes: insert_all / upsert_all (Model<M> and Query<M> forward here).
//
// Many records go out in multi-row INSERT ... VALUES (...), (...) statements, as many rows
// per statement as the dialect's parameter limit allows (Dialect::max_parameters), all in
// one transaction (the caller's, if one is open). Validations and callbacks do NOT run and
// the records passed in are not changed (not marked persisted, no id assigned): this is the
// fast path for loads, as in Rails. created_at / updated_at are filled in when unset.
// Every value is a bound parameter; every column name comes from the schema and is quoted.
//
// Thread safety: the functions copy what they need out of the records before returning;
// the records may be reused at once.
#pragma once

#include <grant/async/async_result.hpp>
#include <grant/errors.hpp>
#include <grant/orm/persistence.hpp>
#include <grant/runtime.hpp>
#include <grant/schema.hpp>

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace grant {

/// What insert_all / upsert_all did.
struct BulkResult {
  /// Rows the database reports as written. MariaDB counts a row changed by an upsert as 2
  /// and a row an upsert left as it was as 0 (its ON DUPLICATE KEY convention).
  std::int64_t rows = 0;
  /// INSERT statements sent.
  std::size_t statements = 0;
  /// True when `ids` holds the generated key of every row written, for a model with an
  /// auto-increment key: PostgreSQL and MariaDB through INSERT ... RETURNING (insert_all
  /// and upsert_all); SQLite for insert_all only, from last_insert_rowid() (its ODBC driver
  /// hands back no RETURNING rows; the rows of one INSERT get consecutive keys). False for
  /// upsert_all on SQLite, an empty input, and records whose keys were given.
  bool ids_returned = false;
  /// The keys, in the order the database returned them (the VALUES order on all three, in
  /// practice; PostgreSQL does not document it). For upsert_all: inserted and updated rows.
  std::vector<std::int64_t> ids;
};

namespace orm {

/// The rows of a bulk write, as values (built in the caller, sent into the job).
struct BulkRows {
  const TableInfo* table = nullptr;
  std::vector<std::size_t> columns;           ///< columns written, schema order
  std::vector<std::vector<Value>> rows;       ///< one value per column
  bool upsert = false;
  std::vector<std::size_t> unique_by;         ///< upsert: the conflict key
};

/// Runs the bulk write on `c` (lib/orm/bulk.cpp). Throws grant::Error for an unusable
/// request (no columns to write; upsert without a key), DatabaseError from the database.
BulkResult bulk_write(Connection& c, const BulkRows& rows);

/// The columns of `t` a bulk write of rows whose auto-increment key is set (`with_key`)
/// or unset writes: every column, except an unset auto key.
std::vector<std::size_t> bulk_columns(const TableInfo& t, bool with_key);

namespace sql {
/// INSERT INTO t (cols) VALUES (?...), ... for rows [from, to) of `b`, with the dialect's
/// conflict clause when `b.upsert`, and RETURNING of the key when `returning`.
Statement insert_rows(const BulkRows& b, const Dialect& d, std::size_t from, std::size_t to, bool returning);
}  // namespace sql

/// Builds the BulkRows of `records` (UnknownColumn for a bad unique_by name; grant::Error
/// when some records have an auto-increment key set and others not).
template <class M>
BulkRows bulk_rows(const std::vector<M>& records, const std::vector<std::string>* unique_by) {
  const TableInfo& t = table_info<M>();
  BulkRows b;
  b.table = &t;
  if (unique_by) {
    b.upsert = true;
    for (const auto& name : *unique_by) b.unique_by.push_back(t.column_index(name));
    if (b.unique_by.empty()) b.unique_by.push_back(t.pk_index());
  }
  if (records.empty()) return b;
  bool with_key = false;
  if (t.primary_key && t.pk().auto_increment) {
    std::size_t set = 0;
    for (const M& m : records) set += Adapter<M>(m).get(*t.primary_key).is_null() ? 0 : 1;
    if (set != 0 && set != records.size())
      throw Error(t.model + ": insert_all/upsert_all with the key " + t.pk().name + " set on " + std::to_string(set) +
                  " of " + std::to_string(records.size()) + " records; set it on all or none");
    with_key = set != 0;
  }
  b.columns = bulk_columns(t, with_key);
  const Value stamp(std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()));
  b.rows.reserve(records.size());
  for (const M& m : records) {
    Adapter<M> a(m);
    auto& row = b.rows.emplace_back();
    row.reserve(b.columns.size());
    for (std::size_t i : b.columns) {
      Value v = a.get(i);
      if (v.is_null() && (i == t.created_at || i == t.updated_at)) v = stamp;
      row.push_back(std::move(v));
    }
  }
  return b;
}

/// insert_all / upsert_all of `records` on `shard`. Errors reach the caller through await().
template <class M>
AsyncResult<BulkResult> bulk(const std::string& shard, const std::vector<M>& records,
                             const std::vector<std::string>* unique_by, bool async) {
  BulkRows b;
  try {
    b = bulk_rows(records, unique_by);
  } catch (...) {
    return AsyncResult<BulkResult>::failed(std::current_exception());
  }
  return Shard::run_on(shard, [b = std::move(b)](Connection& c) { return bulk_write(c, b); }, async);
}

}  // namespace orm
}  // namespace grant
