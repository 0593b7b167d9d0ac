// Column validators for Schema<M>::validate("column", validator) — Rails' validations with
// Rails' messages. Each is a small struct; the designated-initializer form keeps options
// readable: grant::length{.min = 2, .max = 50}.
//
// Null values: presence fails on them; the others fail too ("is invalid", "is not a number",
// ...) unless `.allow_null = true`; uniqueness ignores them.
// Validators run inside the save's job, on a driver worker thread (see model.hpp).
#pragma once

#include <grant/orm/persistence.hpp>
#include <grant/value.hpp>

#include <cstddef>
#include <optional>
#include <regex>
#include <string>
#include <vector>

namespace grant {

/// Not null, not empty or only whitespace (text / bytes). `false` counts as present.
struct presence {
  std::string message = "can't be blank";
  void operator()(const Value& v, orm::ValidationContext& ctx) const;
};

/// Length in characters (UTF-8 code points) of the text form.
struct length {
  std::optional<std::size_t> min{}, max{}, is{};
  bool allow_null = false;
  void operator()(const Value& v, orm::ValidationContext& ctx) const;
};

/// The text form matches `pattern` entirely (std::regex_match).
struct format {
  format(const std::string& pattern, std::string message = "is invalid");
  format(std::regex pattern, std::string message = "is invalid");
  std::regex pattern;
  std::string message;
  bool allow_null = false;
  void operator()(const Value& v, orm::ValidationContext& ctx) const;
};

/// A number (integer, double, decimal or numeric text), with optional bounds.
struct numericality {
  bool only_integer = false;
  std::optional<double> greater_than{}, greater_than_or_equal_to{}, less_than{}, less_than_or_equal_to{}, equal_to{};
  bool allow_null = false;
  void operator()(const Value& v, orm::ValidationContext& ctx) const;
};

/// One of the listed values.
struct inclusion {
  std::vector<Value> in{};
  std::string message = "is not included in the list";
  bool allow_null = false;
  void operator()(const Value& v, orm::ValidationContext& ctx) const;
};

/// None of the listed values.
struct exclusion {
  std::vector<Value> in{};
  std::string message = "is reserved";
  void operator()(const Value& v, orm::ValidationContext& ctx) const;
};

/// No other row of the table has this value (within `scope` columns). Runs a SELECT in the
/// save's job; a unique index is still what makes it race-free (UniqueViolation).
struct uniqueness {
  std::vector<std::string> scope{};
  std::string message = "has already been taken";
  void operator()(const Value& v, orm::ValidationContext& ctx) const;
};

}  // namespace grant
