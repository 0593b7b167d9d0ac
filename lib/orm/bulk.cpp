// insert_all / upsert_all: chunking under the dialect's parameter limit, one transaction
// around the chunks, ids through RETURNING where the driver hands the rows back.
#include <grant/errors.hpp>
#include <grant/orm/bulk.hpp>

#include <algorithm>

namespace grant::orm {

std::vector<std::size_t> bulk_columns(const TableInfo& t, bool with_key) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < t.columns.size(); ++i)
    if (with_key || !(t.columns[i].primary_key && t.columns[i].auto_increment)) out.push_back(i);
  return out;
}

namespace {

BulkResult write_chunks(Connection& c, const BulkRows& b) {
  const TableInfo& t = *b.table;
  const Dialect& d = c.dialect();
  const bool auto_key = t.primary_key && t.pk().auto_increment;
  const bool returning = d.bulk_returning() && auto_key;
  const bool counted = !returning && !b.upsert && auto_key && d.consecutive_insert_ids() &&
                       std::find(b.columns.begin(), b.columns.end(), *t.primary_key) == b.columns.end();
  const std::size_t per_statement = std::max<std::size_t>(1, d.max_parameters() / b.columns.size());
  BulkResult out;
  out.ids_returned = returning || counted;
  if (out.ids_returned) out.ids.reserve(b.rows.size());
  for (std::size_t from = 0; from < b.rows.size(); from += per_statement) {
    const std::size_t to = std::min(b.rows.size(), from + per_statement);
    Statement stmt = sql::insert_rows(b, d, from, to, returning);
    ++out.statements;
    if (returning) {
      Rows rows = c.query(stmt);
      for (const auto& row : rows.rows) out.ids.push_back(row.at(0).as<std::int64_t>());
      out.rows += static_cast<std::int64_t>(rows.size());
    } else {
      const std::int64_t n = c.exec(stmt);
      if (n > 0) out.rows += n;
      if (counted) {
        Rows last = c.query(Statement{d.last_insert_id_sql(), {}});
        const std::int64_t end = last.rows.at(0).at(0).as<std::int64_t>();
        const auto count = static_cast<std::int64_t>(to - from);
        for (std::int64_t id = end - count + 1; id <= end; ++id) out.ids.push_back(id);
      }
    }
  }
  return out;
}

}  // namespace

BulkResult bulk_write(Connection& c, const BulkRows& b) {
  const TableInfo& t = *b.table;
  const char* what = b.upsert ? "upsert_all" : "insert_all";
  if (b.rows.empty()) return BulkResult{};
  if (b.columns.empty()) throw Error(t.model + ": " + what + " has no column to write (shard " + c.shard() + ")");
  if (c.in_transaction()) return write_chunks(c, b);
  c.begin();
  try {
    BulkResult out = write_chunks(c, b);
    c.commit();
    return out;
  } catch (...) {
    try {
      c.rollback();
    } catch (...) {
    }
    throw;
  }
}

}  // namespace grant::orm
