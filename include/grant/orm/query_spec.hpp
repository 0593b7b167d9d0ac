// grant::orm::QuerySpec — what a grant::Query<M> holds: a plain, copyable description of a
// query (conditions, order, limit, joins, ...) with no SQL in it yet. The SQL compiler
// (orm/sql.hpp, lib/orm/sql_*.cpp) turns it into a grant::Statement for one Dialect,
// inside the job, on the connection that will run it.
//
// Also the public operand types: grant::Op (eq, ne, ...), grant::Direction (asc, desc),
// grant::Operand, grant::Conditions ({{"col", value}}), grant::Attributes and grant::Expr
// (a column name or a grant::raw expression).
//
// Thread safety: plain values.
#pragma once

#include <grant/orm/table.hpp>
#include <grant/raw.hpp>
#include <grant/value.hpp>

#include <cstdint>
#include <exception>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace grant {

/// Comparison operators for Query::where(column, op, value).
enum class Op { eq, ne, lt, le, gt, ge, like, not_like, in, not_in };
inline constexpr Op eq = Op::eq;
inline constexpr Op ne = Op::ne;
inline constexpr Op lt = Op::lt;
inline constexpr Op le = Op::le;
inline constexpr Op gt = Op::gt;
inline constexpr Op ge = Op::ge;
inline constexpr Op like = Op::like;
inline constexpr Op not_like = Op::not_like;
inline constexpr Op in = Op::in;
inline constexpr Op not_in = Op::not_in;

/// Sort direction for Query::order(column, direction).
enum class Direction { asc, desc };
inline constexpr Direction asc = Direction::asc;
inline constexpr Direction desc = Direction::desc;

/// The right-hand side of a condition: one Value, or a list (std::vector<T>) for IN.
/// Implicit from anything a grant::Value is built from, and from std::vector<T>.
class Operand {
 public:
  Operand() = default;
  template <class T>
    requires(std::is_constructible_v<Value, T> && !std::is_same_v<std::decay_t<T>, Operand>)
  Operand(T&& v) : value_(Value(std::forward<T>(v))) {}
  template <class T>
  Operand(const std::vector<T>& list) : is_list_(true) {
    list_.reserve(list.size());
    for (const auto& v : list) list_.push_back(Value(v));
  }

  bool is_list() const { return is_list_; }
  const Value& value() const { return value_; }
  const std::vector<Value>& list() const { return list_; }

 private:
  bool is_list_ = false;
  Value value_;
  std::vector<Value> list_;
};

/// {{"column", value}, ...}: an AND of equalities (null -> IS NULL, a vector -> IN).
using Conditions = std::vector<std::pair<std::string, Operand>>;
/// {{"column", value}, ...}: values to assign (create, update, update_all).
using Attributes = std::vector<std::pair<std::string, Value>>;

/// What a column position of the query API takes (select, group, order, pluck, pick,
/// sum, avg, min, max): a name, or grant::raw(...). A name is "column" of the model or
/// "table.column" of the model or of an association joined by name; it is checked against
/// the schema before any SQL is built (grant::UnknownColumn) and quoted by the dialect.
/// A grant::Raw is passed as written. Implicit from std::string, const char* and Raw.
class Expr {
 public:
  Expr(std::string name) : text_(std::move(name)) {}
  Expr(const char* name) : text_(name) {}
  Expr(Raw sql) : text_(sql.sql()), binds_(sql.binds()), raw_(true) {}

  bool is_raw() const noexcept { return raw_; }
  /// The name, or the raw SQL text.
  const std::string& text() const noexcept { return text_; }
  /// Values for the '?' of a raw expression (empty for a name).
  const std::vector<Value>& binds() const noexcept { return binds_; }

 private:
  std::string text_;
  std::vector<Value> binds_;
  bool raw_ = false;
};

namespace orm {

/// A node of the WHERE / HAVING tree.
struct Predicate {
  enum class Kind { compare, raw, all_of, any_of, negate };
  Kind kind = Kind::compare;
  // compare
  std::string column;
  Op op = Op::eq;
  Operand operand;
  // raw
  std::string sql;
  std::vector<Value> binds;
  // all_of / any_of / negate
  std::vector<Predicate> children;

  static Predicate compare(std::string column, Op op, Operand operand);
  static Predicate raw(std::string sql, std::vector<Value> binds);
  static Predicate all_of(std::vector<Predicate> children);
  static Predicate any_of(std::vector<Predicate> children);
  static Predicate negate(Predicate child);
  /// AND of equalities from a map.
  static Predicate from(const Conditions& conditions);
};

struct OrderTerm {
  Expr expression;                       ///< a column name, or grant::raw(...)
  Direction direction = Direction::asc;
  bool directed = true;                  ///< false: a raw term that carries its own ASC/DESC
};

struct JoinTerm {
  std::string association;  ///< association name (when not raw)
  bool raw = false;         ///< a grant::raw JOIN clause: sql and binds
  std::string sql;
  std::vector<Value> binds;
  bool left = false;        ///< LEFT OUTER JOIN (left_joins) instead of INNER JOIN
};

/// Everything a query says, before SQL.
struct QuerySpec {
  const TableInfo* table = nullptr;
  std::string shard;                      ///< resolved when the op is created
  std::optional<Predicate> where;
  std::vector<OrderTerm> order;
  std::optional<std::int64_t> limit, offset;
  std::vector<JoinTerm> joins;
  std::vector<Expr> group;
  std::optional<Predicate> having;
  std::vector<Expr> select;               ///< projection; empty = every model column
  bool distinct = false;
  std::vector<std::string> includes;      ///< associations to preload
  LockMode lock = LockMode::none;         ///< lock(): row lock on the rows read
  bool none = false;                      ///< none(): matches nothing, sends no SQL
  /// An error found while building (e.g. an unknown association in related()); check()
  /// rethrows it so that it reaches the caller through the terminal, never at the builder.
  std::exception_ptr error;

  /// Adds `p` with AND (or OR for any_of) to the WHERE tree.
  void and_where(Predicate p);
  void or_where(Predicate p);

  /// Throws grant::UnknownColumn, grant::UnknownAssociation (or grant::Error for a wrong
  /// number of binds) if something names what the model does not have. Run before any SQL.
  void check() const;
  /// Checks one more column position (a terminal's pluck/sum/... argument) the same way.
  void check(const Expr& column) const;

  /// The column a name written by the user stands for: "column" of the model, or
  /// "table.column" where table is the model's table or an association joined by name
  /// (its name or its table). Exact, case-sensitive match; anything else is
  /// grant::UnknownColumn listing the columns that may be named, with a "did you mean".
  ColumnRef resolve(std::string_view name) const;

  /// "Invoice.where(...).count()": the operation, for error messages.
  std::string describe(std::string_view operation) const;
};

/// Splits the convenience spelling order("created_at DESC, id") into terms: each item is a
/// name with an optional " ASC" / " DESC" (any case), items separated by "," and optional
/// single spaces. An item of any other shape is kept whole as a name, so check() rejects it
/// (grant::UnknownColumn) before any SQL is built.
std::vector<OrderTerm> parse_order(std::string_view list);

/// Number of '?' placeholders in a raw fragment (outside quoted strings and identifiers).
std::size_t count_placeholders(std::string_view sql);

}  // namespace orm
}  // namespace grant
