// grant::raw(...) — the one spelling for SQL text that the library passes through as written.
//
// Every other string the query API takes in a name position is an identifier: checked
// against the model's schema and quoted by the dialect (see query.hpp). An expression
// that is not a plain column ("SUM(total) AS revenue", "LOWER(email)", a LEFT JOIN clause)
// must be wrapped: Invoice::group("billing_country").select("billing_country",
// grant::raw("SUM(total) AS revenue")). Nothing inside is checked or quoted, so never build
// the text from user input; put values behind '?' placeholders and pass them as binds.
//
// Thread safety: a plain value.
#pragma once

#include <grant/value.hpp>

#include <string>
#include <utility>
#include <vector>

namespace grant {

/// SQL text the caller vouches for, with values for its '?' placeholders (in order).
/// Accepted by Query::select, order, group, having, joins, pluck, pick, sum, avg, min and
/// max. The number of '?' must match binds().size(), else grant::Error at the terminal.
class Raw {
 public:
  explicit Raw(std::string sql, std::vector<Value> binds = {}) : sql_(std::move(sql)), binds_(std::move(binds)) {}
  const std::string& sql() const noexcept { return sql_; }
  const std::vector<Value>& binds() const noexcept { return binds_; }

 private:
  std::string sql_;
  std::vector<Value> binds_;
};

/// grant::raw("SUM(total) AS revenue"), grant::raw("LENGTH(title) > ?", {3}).
inline Raw raw(std::string sql, std::vector<Value> binds = {}) { return Raw(std::move(sql), std::move(binds)); }

}  // namespace grant
