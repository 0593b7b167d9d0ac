// Where a query becomes SQL. Each function turns a QuerySpec (or a record's values) into a
// grant::Statement — SQL text with '?' placeholders and its parameters in order — for one
// Dialect. Every value is a parameter; every identifier goes through Dialect::quote.
// Implemented in lib/orm/sql_select.cpp, sql_write.cpp, sql_ddl.cpp, sql_where.cpp.
//
// The callers run QuerySpec::check() first; every name is resolved against the schema
// again where it is emitted (QuerySpec::resolve), so nothing unchecked reaches the text.
// Pure functions: safe from any thread.
#pragma once

#include <grant/dialect.hpp>
#include <grant/orm/query_spec.hpp>
#include <grant/orm/table.hpp>
#include <grant/value.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace grant::orm::sql {

/// SELECT <model columns or projection> FROM ... [JOIN] [WHERE] [GROUP BY] [HAVING]
/// [ORDER BY] [LIMIT/OFFSET].
Statement select(const QuerySpec& q, const Dialect& d);
/// The same query reduced to its first row in the given order, or in the reversed order
/// (last): with no order, by primary key (ascending / descending).
Statement first(const QuerySpec& q, const Dialect& d, bool reverse);
/// COUNT(*) of the rows the query returns; a query with group, distinct, limit or offset
/// is counted as a subquery (so a grouped query counts its groups).
Statement count(const QuerySpec& q, const Dialect& d);
/// SELECT <fn>(<column>) over the query's rows (fn: SUM, AVG, MIN, MAX).
Statement aggregate(const QuerySpec& q, const Dialect& d, std::string_view fn, const Expr& column);
/// SELECT 1 ... LIMIT 1.
Statement exists(const QuerySpec& q, const Dialect& d);
/// SELECT <column> ... in the query's order and limits.
Statement pluck(const QuerySpec& q, const Dialect& d, const Expr& column, std::optional<std::int64_t> limit);

/// UPDATE table SET ... for the query's rows (a subquery on the primary key when the query
/// has joins, order, limit or offset).
Statement update_all(const QuerySpec& q, const Dialect& d, const Attributes& values);
/// UPDATE table SET <raw fragment with '?'> for the query's rows.
Statement update_all(const QuerySpec& q, const Dialect& d, std::string_view set_sql, const std::vector<Value>& binds);
/// DELETE FROM table for the query's rows (same rule).
Statement delete_all(const QuerySpec& q, const Dialect& d);

/// INSERT INTO table (cols) VALUES (?...), or DEFAULT VALUES with no columns.
Statement insert(const TableInfo& t, const Dialect& d, const std::vector<std::size_t>& columns,
                 const std::vector<Value>& values);
/// UPDATE table SET col = ?, ... WHERE pk = ?.
Statement update(const TableInfo& t, const Dialect& d, const std::vector<std::size_t>& columns,
                 const std::vector<Value>& values, const Value& key);
/// DELETE FROM table WHERE pk = ?.
Statement destroy(const TableInfo& t, const Dialect& d, const Value& key);
/// update() / destroy() that also require lock_version = `version` (optimistic locking;
/// lib/orm/sql_lock.cpp): no row affected means another writer got there first.
Statement update_locked(const TableInfo& t, const Dialect& d, const std::vector<std::size_t>& columns,
                        const std::vector<Value>& values, const Value& key, const Value& version);
Statement destroy_locked(const TableInfo& t, const Dialect& d, const Value& key, const Value& version);
/// SELECT 1 FROM table WHERE column = ? [AND scope = ?...] [AND pk <> ?] LIMIT 1.
Statement taken(const TableInfo& t, const Dialect& d, const std::vector<std::pair<std::string, Value>>& equal,
                const std::optional<Value>& except_key);

/// CREATE TABLE from the schema (NOT NULL for non-optional columns, auto ids, defaults).
std::string create_table(const TableInfo& t, const Dialect& d);
std::string drop_table(const TableInfo& t, const Dialect& d);
/// A literal for a DEFAULT clause: numbers and booleans as is, text quoted with '' doubled.
std::string literal(const Value& v, const Dialect& d);

/// A name the user wrote as SQL: resolved by QuerySpec::resolve (grant::UnknownColumn) and
/// emitted quoted and qualified with its table ("users"."email").
std::string column_ref(const QuerySpec& q, const Dialect& d, std::string_view name);

}  // namespace grant::orm::sql
