// QuerySpec building and the checks that run before any SQL is sent.
#include <grant/errors.hpp>
#include <grant/orm/query_spec.hpp>

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

void check_predicate(const TableInfo& t, const Predicate& p) {
  switch (p.kind) {
    case Predicate::Kind::compare:
      check_column(t, p.column);
      break;
    case Predicate::Kind::raw:
      check_binds(t, p.sql, p.binds.size());
      break;
    default:
      for (const auto& c : p.children) check_predicate(t, c);
  }
}

}  // namespace

void QuerySpec::check() const {
  if (error) std::rethrow_exception(error);
  if (!table) throw Error("grant::Query used without a model");
  if (where) check_predicate(*table, *where);
  if (having) check_predicate(*table, *having);
  for (const auto& o : order)
    if (!o.raw) check_column(*table, o.expression);
  for (const auto& j : joins)
    if (!j.association.empty()) table->association(j.association);
  for (const auto& g : group) check_column(*table, g);
  for (const auto& s : select) check_column(*table, s);
  for (const auto& i : includes) table->association(i);
  if (limit && *limit < 0) throw Error(table->model + ": limit(" + std::to_string(*limit) + ") is negative");
  if (offset && *offset < 0) throw Error(table->model + ": offset(" + std::to_string(*offset) + ") is negative");
}

}  // namespace grant::orm
