// Reading queries -> SQL: SELECT, first/last, COUNT, aggregates, EXISTS, pluck.
#include "sql_build.hpp"

#include <grant/errors.hpp>

namespace grant::orm::sql {

namespace {

void projection(Builder& b, const QuerySpec& q, const Dialect& d) {
  if (q.select.empty()) {
    b << model_columns(*q.table, d);
    return;
  }
  for (std::size_t i = 0; i < q.select.size(); ++i) {
    if (i) b << ", ";
    expression(b, q, d, q.select[i]);
  }
}

/// SELECT [DISTINCT] <list> FROM ... WHERE ... GROUP BY ... HAVING ...; `list(b)` writes
/// the select list (its binds come first, as its text does).
template <class List>
void select_head(Builder& b, const QuerySpec& q, const Dialect& d, List list) {
  b << "SELECT " << (q.distinct ? "DISTINCT " : "");
  list(b);
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
  select_head(b, q, d, [&](Builder& o) { projection(o, q, d); });
  ordering(b, q, d, false);
  limits(b, d, q.limit, q.offset);
  locking(b, q, d);
  return std::move(b).done();
}

Statement first(const QuerySpec& q, const Dialect& d, bool reverse) {
  QuerySpec one = q;
  if (one.order.empty()) one.order.push_back(OrderTerm{q.table->pk().name, Direction::asc, true});
  one.limit = 1;
  Builder b;
  select_head(b, one, d, [&](Builder& o) { projection(o, one, d); });
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
  select_head(b, q, d, [&](Builder& o) {
    if (q.distinct) projection(o, q, d);
    else o << "1 AS grant_one";
  });
  limits(b, d, q.limit, q.offset);
  b << ") grant_subquery";
  return std::move(b).done();
}

Statement aggregate(const QuerySpec& q, const Dialect& d, std::string_view fn, const Expr& column) {
  if (!q.group.empty() || q.having)
    throw Error(q.table->model + ": " + std::string(fn) +
                "() over a grouped query is not supported; use rows() with a grant::raw select instead");
  Builder b;
  if (!needs_subquery(q)) {
    b << "SELECT " << fn << "(";
    expression(b, q, d, column);
    b << ")";
    from(b, q, d);
    where(b, q, d);
    return std::move(b).done();
  }
  b << "SELECT " << fn << "(grant_subquery.grant_value) FROM (";
  select_head(b, q, d, [&](Builder& o) {
    expression(o, q, d, column);
    o << " AS grant_value";
  });
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

Statement pluck(const QuerySpec& q, const Dialect& d, const Expr& column, std::optional<std::int64_t> limit) {
  Builder b;
  select_head(b, q, d, [&](Builder& o) { expression(o, q, d, column); });
  ordering(b, q, d, false);
  limits(b, d, limit ? limit : q.limit, q.offset);
  locking(b, q, d);
  return std::move(b).done();
}

}  // namespace grant::orm::sql
