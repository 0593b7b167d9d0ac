// Conditions -> SQL: WHERE/HAVING trees, FROM with joins, GROUP BY, ORDER BY, LIMIT.
#include "sql_build.hpp"

#include <grant/errors.hpp>

#include <boost/algorithm/string/predicate.hpp>
#include <boost/algorithm/string/trim.hpp>

namespace grant::orm::sql {

std::string quoted(const Dialect& d, const ColumnRef& c) { return d.quote(c.table->table) + "." + d.quote(c.column().name); }

std::string column_ref(const QuerySpec& q, const Dialect& d, std::string_view name) {
  // Resolved again here, not trusted from check(): no name reaches the SQL unchecked.
  return quoted(d, q.resolve(name));
}

void expression(Builder& b, const QuerySpec& q, const Dialect& d, const Expr& e) {
  if (!e.is_raw()) {
    b << column_ref(q, d, e.text());
    return;
  }
  b << e.text();
  b.params.insert(b.params.end(), e.binds().begin(), e.binds().end());
}

std::string model_columns(const TableInfo& t, const Dialect& d) {
  std::string out;
  const std::string table = d.quote(t.table);
  for (const auto& c : t.columns) {
    if (!out.empty()) out += ", ";
    out += table + "." + d.quote(c.name);
  }
  return out;
}

namespace {

const char* op_sql(Op op) {
  switch (op) {
    case Op::eq: return " = ";
    case Op::ne: return " <> ";
    case Op::lt: return " < ";
    case Op::le: return " <= ";
    case Op::gt: return " > ";
    case Op::ge: return " >= ";
    case Op::like: return " LIKE ";
    case Op::not_like: return " NOT LIKE ";
    default: return " = ";
  }
}

void in_list(Builder& b, const std::string& col, const std::vector<Value>& list, bool negated) {
  std::vector<const Value*> values;
  bool has_null = false;
  for (const auto& v : list) {
    if (v.is_null()) has_null = true;
    else values.push_back(&v);
  }
  if (values.empty() && !has_null) {  // empty list: IN matches nothing, NOT IN everything
    b << (negated ? "1=1" : "1=0");
    return;
  }
  // SQL's NOT IN with a NULL in it matches nothing; say what the user means instead.
  const bool wrap = has_null && !values.empty();
  if (wrap) b << "(";
  if (!values.empty()) {
    b << col << (negated ? " NOT IN (" : " IN (");
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i) b << ", ";
      b.bind(*values[i]);
    }
    b << ")";
  }
  if (has_null) {
    if (!values.empty()) b << (negated ? " AND " : " OR ");
    b << col << (negated ? " IS NOT NULL" : " IS NULL");
  }
  if (wrap) b << ")";
}

void compare(Builder& b, const QuerySpec& q, const Dialect& d, const Predicate& p) {
  const TableInfo& t = *q.table;
  const std::string col = column_ref(q, d, p.column);
  const Operand& o = p.operand;
  if (o.is_list()) {
    switch (p.op) {
      case Op::eq:
      case Op::in: return in_list(b, col, o.list(), false);
      case Op::ne:
      case Op::not_in: return in_list(b, col, o.list(), true);
      default:
        throw Error(t.model + ": where(\"" + p.column + "\", ...) compares with a list; use grant::in or grant::not_in");
    }
  }
  Op op = p.op == Op::in ? Op::eq : p.op == Op::not_in ? Op::ne : p.op;
  if (o.value().is_null() && (op == Op::eq || op == Op::ne)) {
    b << col << (op == Op::eq ? " IS NULL" : " IS NOT NULL");
    return;
  }
  b << col << op_sql(op);
  b.bind(o.value());
}

void join_children(Builder& b, const QuerySpec& t, const Dialect& d, const Predicate& p, const char* sep,
                   const char* empty) {
  if (p.children.empty()) {
    b << empty;
    return;
  }
  if (p.children.size() == 1) return predicate(b, t, d, p.children.front());
  b << "(";
  for (std::size_t i = 0; i < p.children.size(); ++i) {
    if (i) b << sep;
    predicate(b, t, d, p.children[i]);
  }
  b << ")";
}

}  // namespace

void predicate(Builder& b, const QuerySpec& t, const Dialect& d, const Predicate& p) {
  switch (p.kind) {
    case Predicate::Kind::compare:
      return compare(b, t, d, p);
    case Predicate::Kind::raw:
      b << "(" << p.sql << ")";
      b.params.insert(b.params.end(), p.binds.begin(), p.binds.end());
      return;
    case Predicate::Kind::all_of:
      return join_children(b, t, d, p, " AND ", "1=1");
    case Predicate::Kind::any_of:
      return join_children(b, t, d, p, " OR ", "1=0");
    case Predicate::Kind::negate:
      b << "NOT (";
      predicate(b, t, d, p.children.front());
      b << ")";
      return;
  }
}

void from(Builder& b, const QuerySpec& q, const Dialect& d) {
  const TableInfo& t = *q.table;
  b << " FROM " << d.quote(t.table);
  for (const auto& j : q.joins) {
    if (j.raw) {
      b << " " << j.sql;
      b.params.insert(b.params.end(), j.binds.begin(), j.binds.end());
      continue;
    }
    const AssociationInfo& a = t.association(j.association);
    const TableInfo& target = a.target();
    const std::string other = d.quote(target.table);
    b << (j.left ? " LEFT JOIN " : " INNER JOIN ") << other << " ON " << other << "." << d.quote(a.target_column()) << " = " << d.quote(t.table)
      << "." << d.quote(a.owner_column(t));
  }
}

void where(Builder& b, const QuerySpec& q, const Dialect& d) {
  if (!q.where) return;
  b << " WHERE ";
  predicate(b, q, d, *q.where);
}

void grouping(Builder& b, const QuerySpec& q, const Dialect& d) {
  if (!q.group.empty()) {
    b << " GROUP BY ";
    for (std::size_t i = 0; i < q.group.size(); ++i) {
      if (i) b << ", ";
      expression(b, q, d, q.group[i]);
    }
  }
  if (q.having) {
    b << " HAVING ";
    predicate(b, q, d, *q.having);
  }
}

std::string reverse_order(std::string_view raw) {
  std::vector<std::string> parts;
  int depth = 0;
  std::string cur;
  for (char c : raw) {
    if (c == '(') ++depth;
    if (c == ')') --depth;
    if (c == ',' && depth == 0) {
      parts.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  parts.push_back(cur);
  std::string out;
  for (auto& p : parts) {
    boost::algorithm::trim(p);
    auto ends = [&](std::string_view s) { return p.size() > s.size() && boost::algorithm::iends_with(p, s); };
    if (ends(" DESC")) p = p.substr(0, p.size() - 5) + " ASC";
    else if (ends(" ASC")) p = p.substr(0, p.size() - 4) + " DESC";
    else p += " DESC";
    out += (out.empty() ? "" : ", ") + p;
  }
  return out;
}

void ordering(Builder& b, const QuerySpec& q, const Dialect& d, bool reverse) {
  if (q.order.empty()) return;
  b << " ORDER BY ";
  for (std::size_t i = 0; i < q.order.size(); ++i) {
    const OrderTerm& o = q.order[i];
    if (i) b << ", ";
    if (!o.directed) {  // a raw term with its own ASC/DESC (or none)
      b << (reverse ? reverse_order(o.expression.text()) : o.expression.text());
      b.params.insert(b.params.end(), o.expression.binds().begin(), o.expression.binds().end());
    } else {
      bool descending = (o.direction == Direction::desc) != reverse;
      expression(b, q, d, o.expression);
      b << (descending ? " DESC" : " ASC");
    }
  }
}

void limits(Builder& b, const Dialect& d, std::optional<std::int64_t> limit, std::optional<std::int64_t> offset) {
  if (limit) {
    b << " LIMIT ";
    b.bind(*limit);
  } else if (offset) {
    b << d.unlimited_sql();
  }
  if (offset) {
    b << " OFFSET ";
    b.bind(*offset);
  }
}

}  // namespace grant::orm::sql
