// Internal to lib/orm: the pieces every SQL compiler file shares.
#pragma once

#include <grant/orm/sql.hpp>

#include <string>
#include <string_view>
#include <vector>

namespace grant::orm::sql {

/// SQL text and its parameters, appended together so they never get out of step.
struct Builder {
  std::string text;
  std::vector<Value> params;

  Builder& operator<<(std::string_view s) {
    text += s;
    return *this;
  }
  /// Appends a '?' and its value.
  Builder& bind(Value v) {
    text += '?';
    params.push_back(std::move(v));
    return *this;
  }
  Statement done() && { return Statement{std::move(text), std::move(params)}; }
};

/// WHERE/HAVING tree -> SQL (lib/orm/sql_where.cpp).
void predicate(Builder& b, const QuerySpec& q, const Dialect& d, const Predicate& p);
/// A checked name, quoted and qualified ("users"."email"), or a raw expression with its binds.
void expression(Builder& b, const QuerySpec& q, const Dialect& d, const Expr& e);
/// "table"."column" of a resolved column.
std::string quoted(const Dialect& d, const ColumnRef& c);
/// " FROM t [JOIN ...]"
void from(Builder& b, const QuerySpec& q, const Dialect& d);
/// " WHERE ..." if any.
void where(Builder& b, const QuerySpec& q, const Dialect& d);
/// " GROUP BY ... HAVING ..." if any.
void grouping(Builder& b, const QuerySpec& q, const Dialect& d);
/// " ORDER BY ..." if any (reversed for last()).
void ordering(Builder& b, const QuerySpec& q, const Dialect& d, bool reverse);
/// " LIMIT ? OFFSET ?" in the dialect's spelling.
void limits(Builder& b, const Dialect& d, std::optional<std::int64_t> limit, std::optional<std::int64_t> offset);
/// The dialect's row-lock clause when the query asks for lock() (lib/orm/sql_lock.cpp).
void locking(Builder& b, const QuerySpec& q, const Dialect& d);
/// The model's columns, qualified: "users"."id", "users"."email", ...
std::string model_columns(const TableInfo& t, const Dialect& d);
/// Reverses ASC/DESC in a raw ORDER BY fragment ("a DESC, b" -> "a ASC, b DESC").
std::string reverse_order(std::string_view raw);

}  // namespace grant::orm::sql
