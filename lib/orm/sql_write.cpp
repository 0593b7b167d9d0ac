// Writing statements -> SQL: INSERT, UPDATE, DELETE (one record or a whole query), and
// the uniqueness probe.
#include "sql_build.hpp"

#include <grant/errors.hpp>

namespace grant::orm::sql {

namespace {

bool direct(const QuerySpec& q) {
  return q.joins.empty() && q.order.empty() && !q.limit && !q.offset && q.group.empty() && !q.having && !q.distinct;
}

/// " WHERE pk IN (SELECT id FROM (SELECT t.pk AS grant_id FROM ...) grant_ids)": the
/// portable way to update or delete the rows of a query with joins or limits (PostgreSQL
/// has no DELETE ... JOIN/LIMIT; MariaDB refuses a subquery on the table being changed
/// unless it is wrapped in a derived table).
void matching_rows(Builder& b, const QuerySpec& q, const Dialect& d) {
  if (direct(q)) {
    where(b, q, d);
    return;
  }
  const TableInfo& t = *q.table;
  b << " WHERE " << d.quote(t.table) << "." << d.quote(t.pk().name)
    << " IN (SELECT grant_ids.grant_id FROM (SELECT " << (q.distinct ? "DISTINCT " : "") << d.quote(t.table) << "."
    << d.quote(t.pk().name) << " AS grant_id";
  from(b, q, d);
  where(b, q, d);
  grouping(b, q, d);
  ordering(b, q, d, false);
  limits(b, d, q.limit, q.offset);
  b << ") grant_ids)";
}

}  // namespace

Statement update_all(const QuerySpec& q, const Dialect& d, const Attributes& values) {
  if (values.empty()) throw Error(q.table->model + ": update_all() needs at least one column to set");
  Builder b;
  b << "UPDATE " << d.quote(q.table->table) << " SET ";
  for (std::size_t i = 0; i < values.size(); ++i) {
    // Emitted from the schema's own name: an unknown key is UnknownColumn here too.
    const TableInfo& t = *q.table;
    b << (i ? ", " : "") << d.quote(t.columns[t.column_index(values[i].first)].name) << " = ";
    b.bind(values[i].second);
  }
  matching_rows(b, q, d);
  return std::move(b).done();
}

Statement update_all(const QuerySpec& q, const Dialect& d, std::string_view set_sql, const std::vector<Value>& binds) {
  Builder b;
  b << "UPDATE " << d.quote(q.table->table) << " SET " << set_sql;
  b.params = binds;
  matching_rows(b, q, d);
  return std::move(b).done();
}

Statement delete_all(const QuerySpec& q, const Dialect& d) {
  Builder b;
  b << "DELETE FROM " << d.quote(q.table->table);
  matching_rows(b, q, d);
  return std::move(b).done();
}

Statement insert(const TableInfo& t, const Dialect& d, const std::vector<std::size_t>& columns,
                 const std::vector<Value>& values) {
  Builder b;
  b << "INSERT INTO " << d.quote(t.table);
  if (columns.empty()) {
    b << d.insert_defaults_sql();
    return std::move(b).done();
  }
  b << " (";
  for (std::size_t i = 0; i < columns.size(); ++i) b << (i ? ", " : "") << d.quote(t.columns[columns[i]].name);
  b << ") VALUES (";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    if (i) b << ", ";
    b.bind(values[i]);
  }
  b << ")";
  return std::move(b).done();
}

Statement update(const TableInfo& t, const Dialect& d, const std::vector<std::size_t>& columns,
                 const std::vector<Value>& values, const Value& key) {
  Builder b;
  b << "UPDATE " << d.quote(t.table) << " SET ";
  for (std::size_t i = 0; i < columns.size(); ++i) {
    b << (i ? ", " : "") << d.quote(t.columns[columns[i]].name) << " = ";
    b.bind(values[i]);
  }
  b << " WHERE " << d.quote(t.pk().name) << " = ";
  b.bind(key);
  return std::move(b).done();
}

Statement destroy(const TableInfo& t, const Dialect& d, const Value& key) {
  Builder b;
  b << "DELETE FROM " << d.quote(t.table) << " WHERE " << d.quote(t.pk().name) << " = ";
  b.bind(key);
  return std::move(b).done();
}

Statement taken(const TableInfo& t, const Dialect& d, const std::vector<std::pair<std::string, Value>>& equal,
                const std::optional<Value>& except_key) {
  Builder b;
  b << "SELECT 1 AS grant_one FROM " << d.quote(t.table) << " WHERE ";
  for (std::size_t i = 0; i < equal.size(); ++i) {
    if (i) b << " AND ";
    b << d.quote(t.columns[t.column_index(equal[i].first)].name);
    if (equal[i].second.is_null()) {
      b << " IS NULL";
    } else {
      b << " = ";
      b.bind(equal[i].second);
    }
  }
  if (except_key) {
    b << " AND " << d.quote(t.pk().name) << " <> ";
    b.bind(*except_key);
  }
  limits(b, d, 1, std::nullopt);
  return std::move(b).done();
}

}  // namespace grant::orm::sql
