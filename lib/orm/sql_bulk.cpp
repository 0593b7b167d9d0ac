// Bulk-write SQL: multi-row INSERT ... VALUES with the dialect's conflict clause (upsert)
// and RETURNING of the generated key.
#include "sql_build.hpp"

#include <grant/orm/bulk.hpp>

#include <algorithm>

namespace grant::orm::sql {

namespace {

bool in(const std::vector<std::size_t>& list, std::size_t i) { return std::find(list.begin(), list.end(), i) != list.end(); }

}  // namespace

Statement insert_rows(const BulkRows& b, const Dialect& d, std::size_t from, std::size_t to, bool returning) {
  const TableInfo& t = *b.table;
  Builder s;
  s.params.reserve((to - from) * b.columns.size());
  s << "INSERT INTO " << d.quote(t.table) << " (";
  for (std::size_t j = 0; j < b.columns.size(); ++j) s << (j ? ", " : "") << d.quote(t.columns[b.columns[j]].name);
  s << ") VALUES ";
  for (std::size_t r = from; r < to; ++r) {
    s << (r == from ? "(" : ", (");
    const auto& row = b.rows[r];
    for (std::size_t j = 0; j < row.size(); ++j) {
      if (j) s << ", ";
      s.bind(row[j]);
    }
    s << ")";
  }
  if (b.upsert) {
    std::vector<std::string> conflict, update;
    for (std::size_t i : b.unique_by) conflict.push_back(d.quote(t.columns[i].name));
    for (std::size_t i : b.columns) {
      if (in(b.unique_by, i) || t.columns[i].primary_key || i == t.created_at) continue;
      update.push_back(d.quote(t.columns[i].name));
    }
    s << d.upsert_clause(conflict, update);
  }
  if (returning) s << " RETURNING " << d.quote(t.pk().name);
  return std::move(s).done();
}

}  // namespace grant::orm::sql
