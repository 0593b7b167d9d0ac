// grant::orm::QuerySpec — what a grant::Query<M> holds: a plain, copyable description of a
// query (conditions, order, limit, joins, ...) with no SQL in it yet. The SQL compiler
// (orm/sql.hpp, lib/orm/sql_*.cpp) turns it into a grant::Statement for one Dialect,
// inside the job, on the connection that will run it.
//
// Also the public operand types: grant::Op (eq, ne, ...), grant::Direction (asc, desc),
// grant::Operand, grant::Conditions ({{"col", value}}) and grant::Attributes.
//
// Thread safety: plain values.
#pragma once

#include <grant/orm/table.hpp>
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
  std::string expression;   ///< a column name, or raw SQL when `raw`
  Direction direction = Direction::asc;
  bool raw = false;
};

struct JoinTerm {
  std::string association;  ///< association name, or empty for a raw clause
  std::string sql;          ///< raw JOIN clause
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
  std::vector<std::string> group;
  std::optional<Predicate> having;
  std::vector<std::string> select;        ///< projection; empty = every model column
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

  /// Throws grant::UnknownColumn (or grant::Error for an unknown association / a wrong
  /// number of binds) if something names what the model does not have. Run before any SQL.
  void check() const;
};

/// Number of '?' placeholders in a raw fragment (outside quoted strings and identifiers).
std::size_t count_placeholders(std::string_view sql);

}  // namespace orm
}  // namespace grant
