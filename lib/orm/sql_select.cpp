// Reading queries -> SQL: SELECT, first/last, COUNT, aggregates, EXISTS, pluck.
#include "sql_build.hpp"

#include <grant/errors.hpp>

namespace grant::orm::sql {

namespace {

std::string projection(const QuerySpec& q, const Dialect& d) {
  if (q.select.empty()) return model_columns(*q.table, d);
  std::string out;
  for (const auto& s : q.select) out += (out.empty() ? "" : ", ") + column_ref(*q.table, d, s);
  return out;
}

/// SELECT [DISTINCT] <list> FROM ... WHERE ... GROUP BY ... HAVING ...
void select_head(Builder& b, const QuerySpec& q, const Dialect& d, const std::string& list) {
  b << "SELECT " << (q.distinct ? "DISTINCT " : "") << list;
  from(b, q, d);
  where(b, q, d);
  grouping(b, q, d);
}

bool needs_subquery(const QuerySpec& q) {
  return q.distinct || !q.group.empty() || q.having || q.limit || q.offset;
}

}  // namespace

Statement select(const QuerySpec& q, const Dialect& d) {
  Builder b;
  select_head(b, q, d, projection(q, d));
  ordering(b, q, d, false);
  limits(b, d, q.limit, q.offset);
  locking(b, q, d);
  return std::move(b).done();
}

Statement first(const QuerySpec& q, const Dialect& d, bool reverse) {
  QuerySpec one = q;
  if (one.order.empty()) one.order.push_back(OrderTerm{q.table->pk().name, Direction::asc, false});
  one.limit = 1;
  Builder b;
  select_head(b, one, d, projection(one, d));
  ordering(b, one, d, reverse);
  limits(b, d, one.limit, one.offset);
  locking(b, one, d);
  return std::move(b).done();
}

Statement count(const QuerySpec& q, const Dialect& d) {
  Builder b;
  if (!needs_subquery(q)) {
    b << "SELECT COUNT(*)";
    from(b, q, d);
    where(b, q, d);
    return std::move(b).done();
  }
  // Count what the query would return: its groups, its distinct rows, its page.
  b << "SELECT COUNT(*) FROM (";
  select_head(b, q, d, q.distinct ? projection(q, d) : std::string("1 AS grant_one"));
  limits(b, d, q.limit, q.offset);
  b << ") grant_subquery";
  return std::move(b).done();
}

Statement aggregate(const QuerySpec& q, const Dialect& d, std::string_view fn, std::string_view column) {
  if (!q.group.empty() || q.having)
    throw Error(q.table->model + ": " + std::string(fn) +
                "() over a grouped query is not supported; use pluck with a raw select instead");
  Builder b;
  const std::string col = column_ref(*q.table, d, column);
  if (!needs_subquery(q)) {
    b << "SELECT " << fn << "(" << col << ")";
    from(b, q, d);
    where(b, q, d);
    return std::move(b).done();
  }
  b << "SELECT " << fn << "(grant_subquery.grant_value) FROM (";
  select_head(b, q, d, col + " AS grant_value");
  ordering(b, q, d, false);
  limits(b, d, q.limit, q.offset);
  b << ") grant_subquery";
  return std::move(b).done();
}

Statement exists(const QuerySpec& q, const Dialect& d) {
  Builder b;
  b << "SELECT 1 AS grant_one";
  from(b, q, d);
  where(b, q, d);
  grouping(b, q, d);
  limits(b, d, 1, q.offset);
  return std::move(b).done();
}

Statement pluck(const QuerySpec& q, const Dialect& d, std::string_view column, std::optional<std::int64_t> limit) {
  Builder b;
  select_head(b, q, d, column_ref(*q.table, d, column));
  ordering(b, q, d, false);
  limits(b, d, limit ? limit : q.limit, q.offset);
  locking(b, q, d);
  return std::move(b).done();
}

}  // namespace grant::orm::sql
