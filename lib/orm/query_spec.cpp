// QuerySpec building and the checks that run before any SQL is sent.
#include <grant/errors.hpp>
#include <grant/orm/query_spec.hpp>

#include <boost/algorithm/string/predicate.hpp>

#include <cctype>

namespace grant::orm {

Predicate Predicate::compare(std::string column, Op op, Operand operand) {
  Predicate p;
  p.kind = Kind::compare;
  p.column = std::move(column);
  p.op = op;
  p.operand = std::move(operand);
  return p;
}

Predicate Predicate::raw(std::string sql, std::vector<Value> binds) {
  Predicate p;
  p.kind = Kind::raw;
  p.sql = std::move(sql);
  p.binds = std::move(binds);
  return p;
}

Predicate Predicate::all_of(std::vector<Predicate> children) {
  Predicate p;
  p.kind = Kind::all_of;
  p.children = std::move(children);
  return p;
}

Predicate Predicate::any_of(std::vector<Predicate> children) {
  Predicate p;
  p.kind = Kind::any_of;
  p.children = std::move(children);
  return p;
}

Predicate Predicate::negate(Predicate child) {
  Predicate p;
  p.kind = Kind::negate;
  p.children.push_back(std::move(child));
  return p;
}

Predicate Predicate::from(const Conditions& conditions) {
  std::vector<Predicate> parts;
  parts.reserve(conditions.size());
  for (const auto& [column, operand] : conditions) parts.push_back(compare(column, Op::eq, operand));
  if (parts.size() == 1) return std::move(parts.front());
  return all_of(std::move(parts));
}

void QuerySpec::and_where(Predicate p) {
  if (!where) {
    where = std::move(p);
  } else if (where->kind == Predicate::Kind::all_of) {
    where->children.push_back(std::move(p));
  } else {
    where = Predicate::all_of({std::move(*where), std::move(p)});
  }
}

void QuerySpec::or_where(Predicate p) {
  if (!where) {
    where = std::move(p);
  } else {
    where = Predicate::any_of({std::move(*where), std::move(p)});
  }
}

std::size_t count_placeholders(std::string_view sql) {
  std::size_t n = 0;
  char quote = 0;
  for (char c : sql) {
    if (quote) {
      if (c == quote) quote = 0;  // a doubled quote re-enters at once: harmless for counting
    } else if (c == '\'' || c == '"' || c == '`') {
      quote = c;
    } else if (c == '?') {
      ++n;
    }
  }
  return n;
}

namespace {

void check_binds(const TableInfo& t, const std::string& sql, std::size_t binds) {
  std::size_t marks = count_placeholders(sql);
  if (marks != binds)
    throw Error(t.model + ": the SQL fragment \"" + sql + "\" has " + std::to_string(marks) + " '?' but " +
                std::to_string(binds) + " bind value(s) were given");
}

bool plain_identifier(std::string_view name) {
  for (char ch : name) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == '_' || c == '.')) return false;
  }
  return !name.empty();
}

}  // namespace

ColumnRef QuerySpec::resolve(std::string_view name) const {
  const TableInfo& t = *table;
  const std::size_t dot = name.find('.');
  std::string hint;
  if (dot == std::string_view::npos) {
    if (auto i = t.find_column(name)) return ColumnRef{&t, *i};
  } else if (name.find('.', dot + 1) == std::string_view::npos) {
    const std::string_view prefix = name.substr(0, dot), column = name.substr(dot + 1);
    const TableInfo* owner = prefix == t.table ? &t : nullptr;
    for (const auto& j : joins) {
      if (owner || j.raw) continue;
      const AssociationInfo* a = t.find_association(j.association);
      if (a && (a->name == prefix || a->target().table == prefix)) owner = &a->target();
    }
    if (owner) {
      if (auto i = owner->find_column(column)) return ColumnRef{owner, *i};
      // The table is right: list its columns, spelled with the prefix the caller used.
      std::vector<std::string> known;
      for (const auto& c : owner->columns) known.push_back(std::string(prefix) + "." + c.name);
      throw UnknownColumn(t.model, std::string(name), std::move(known));
    } else {
      for (const auto& a : t.associations)
        if (a.name == prefix || a.target().table == prefix) hint = "join it first: joins(\"" + a.name + "\")";
    }
  }
  if (hint.empty() && !plain_identifier(name))
    hint = "an SQL expression goes through grant::raw(...) or a where(\"... ?\", {binds}) fragment";
  std::vector<std::string> known = t.column_names();
  for (const auto& j : joins) {
    if (j.raw) continue;
    if (const AssociationInfo* a = t.find_association(j.association))
      for (const auto& c : a->target().columns) known.push_back(a->target().table + "." + c.name);
  }
  throw UnknownColumn(t.model, std::string(name), std::move(known), std::move(hint));
}

std::string QuerySpec::describe(std::string_view operation) const {
  std::string out = table ? table->model : std::string("?");
  for (const auto& j : joins) out += ".joins(" + (j.raw ? std::string("raw") : j.association) + ")";
  if (where) out += ".where(...)";
  if (!group.empty()) out += ".group(...)";
  out += ".";
  out += operation;
  return out;
}

std::vector<OrderTerm> parse_order(std::string_view list) {
  std::vector<OrderTerm> out;
  std::size_t start = 0;
  for (;;) {
    const std::size_t comma = list.find(',', start);
    std::string_view item = list.substr(start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    if (start > 0 && item.starts_with(' ')) item.remove_prefix(1);
    OrderTerm term{Expr(std::string(item)), Direction::asc, true};
    if (const std::size_t space = item.rfind(' '); space != std::string_view::npos) {
      const std::string_view keyword = item.substr(space + 1), column = item.substr(0, space);
      const bool asc = boost::algorithm::iequals(keyword, "ASC"), desc = boost::algorithm::iequals(keyword, "DESC");
      // Anything else stays whole: no column has that name, so check() rejects it.
      if ((asc || desc) && column.find(' ') == std::string_view::npos)
        term = OrderTerm{Expr(std::string(column)), desc ? Direction::desc : Direction::asc, true};
    }
    out.push_back(std::move(term));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return out;
}

namespace {

void check_predicate(const QuerySpec& q, const Predicate& p) {
  switch (p.kind) {
    case Predicate::Kind::compare:
      q.resolve(p.column);
      break;
    case Predicate::Kind::raw:
      check_binds(*q.table, p.sql, p.binds.size());
      break;
    default:
      for (const auto& c : p.children) check_predicate(q, c);
  }
}

}  // namespace

void QuerySpec::check(const Expr& column) const {
  if (column.is_raw()) check_binds(*table, column.text(), column.binds().size());
  else resolve(column.text());
}

void QuerySpec::check() const {
  if (error) std::rethrow_exception(error);
  if (!table) throw Error("grant::Query used without a model");
  // Joins first: the names below may point into joined tables.
  for (const auto& j : joins) {
    if (!j.raw) table->association(j.association);
    else check_binds(*table, j.sql, j.binds.size());
  }
  if (where) check_predicate(*this, *where);
  if (having) check_predicate(*this, *having);
  for (const auto& o : order) check(o.expression);
  for (const auto& g : group) check(g);
  for (const auto& s : select) check(s);
  for (const auto& i : includes) table->association(i);
  if (limit && *limit < 0) throw Error(table->model + ": limit(" + std::to_string(*limit) + ") is negative");
  if (offset && *offset < 0) throw Error(table->model + ": offset(" + std::to_string(*offset) + ") is negative");
}

}  // namespace grant::orm
