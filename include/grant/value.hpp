// grant::Value — one SQL value as it crosses between the ORM and a driver.
//
// Thread safety: a Value is a plain value type; distinct objects may be used from
// any thread or fiber; one object needs external synchronisation like std::string.
#pragma once

#include <chrono>
#include <cstdint>
#include <limits>
#include <type_traits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace grant {

/// A point in time, UTC, microsecond precision.
using Time = std::chrono::sys_time<std::chrono::microseconds>;

/// A calendar date (no time of day, no zone).
using Date = std::chrono::sys_days;

/// An exact decimal number carried as its canonical text, e.g. "-12345.987".
/// Kept as text so that NUMERIC(38,9) survives a round trip without rounding.
struct Decimal {
  std::string text;
  friend bool operator==(const Decimal&, const Decimal&) = default;
};

/// Raw bytes (BLOB / bytea / VARBINARY).
struct Bytes {
  std::vector<unsigned char> data;
  friend bool operator==(const Bytes&, const Bytes&) = default;
};

/// Marker for SQL NULL.
struct Null {
  friend bool operator==(Null, Null) = default;
};
inline constexpr Null null{};

/// One SQL value: NULL, bool, 64-bit integer, double, UTF-8 text, bytes, Time, Date or Decimal.
///
/// Conversions with `as<T>()` are checked: they throw grant::ConversionError (errors.hpp)
/// rather than lose information. Accepted conversions, by target:
///  - int64/int32: from int, bool, a double with no fraction in range, Decimal or text of an
///    integer (SQLite and PostgreSQL aggregates come back as text or decimal).
///  - double: from int, double, Decimal, numeric text.
///  - bool: from bool, int 0/1, text "0"/"1"/"t"/"f"/"true"/"false".
///  - std::string: from text, Decimal, and the canonical text of any other non-null value.
///  - Time: from Time, Date (midnight) or ISO-8601 text "YYYY-MM-DD[ T]HH:MM:SS[.ffffff][Z|+00:00]".
///  - Date: from Date or text "YYYY-MM-DD".
///  - Decimal: from Decimal, int, numeric text.
///  - Bytes: from Bytes or text.
///  - std::optional<T>: NULL -> nullopt, else as<T>().
/// NULL converts to nothing but std::optional and Value; as<T>() on NULL throws.
class Value {
 public:
  using Storage = std::variant<Null, bool, std::int64_t, double, std::string, Bytes, Time, Date, Decimal>;

  Value() = default;
  Value(Null) {}
  Value(std::nullopt_t) {}
  Value(bool v) : v_(v) {}
  Value(int v) : v_(std::int64_t{v}) {}
  Value(unsigned v) : v_(std::int64_t{v}) {}
  Value(long v) : v_(std::int64_t{v}) {}
  Value(long long v) : v_(std::int64_t{v}) {}
  Value(double v) : v_(v) {}
  Value(float v) : v_(double{v}) {}
  Value(std::string v) : v_(std::move(v)) {}
  Value(std::string_view v) : v_(std::string(v)) {}
  Value(const char* v) : v_(std::string(v)) {}
  Value(Bytes v) : v_(std::move(v)) {}
  Value(Time v) : v_(v) {}
  Value(Date v) : v_(v) {}
  Value(Decimal v) : v_(std::move(v)) {}
  template <class T>
  Value(const std::optional<T>& v) {
    if (v) *this = Value(*v);
  }

  bool is_null() const { return std::holds_alternative<Null>(v_); }
  template <class T>
  bool is() const { return std::holds_alternative<T>(v_); }
  const Storage& storage() const { return v_; }

  /// Checked conversion; see the class comment. Throws grant::ConversionError.
  template <class T>
  T as() const;

  /// Canonical text: NULL -> "NULL", Time -> "2024-03-31 01:30:00.123456", bytes -> hex.
  std::string to_string() const;
  /// Name of the held alternative ("null", "bool", "int", "double", "text", "bytes", "time", "date", "decimal").
  const char* type_name() const;

  friend bool operator==(const Value&, const Value&) = default;

 private:
  Storage v_;
};

namespace detail {
std::int64_t value_to_int64(const Value&);
double value_to_double(const Value&);
bool value_to_bool(const Value&);
std::string value_to_string(const Value&);
Time value_to_time(const Value&);
Date value_to_date(const Value&);
Decimal value_to_decimal(const Value&);
Bytes value_to_bytes(const Value&);
[[noreturn]] void throw_out_of_range(std::int64_t v, const char* target);
/// "-0012.3400" -> "-12.34", "5." -> "5", "-0.0" -> "0"; nullopt unless the text is a plain
/// decimal number ([+-]digits[.digits], no exponent). Used for Decimal values both ways.
std::optional<std::string> canonical_decimal(std::string_view text);
template <class T>
T checked_narrow(std::int64_t v) {
  if constexpr (sizeof(T) < sizeof(std::int64_t) || std::is_unsigned_v<T>) {
    if (v < static_cast<std::int64_t>(std::numeric_limits<T>::min()) ||
        (static_cast<std::uint64_t>(v) > static_cast<std::uint64_t>(std::numeric_limits<T>::max()) && v >= 0))
      throw_out_of_range(v, "a narrower integer");
  }
  return static_cast<T>(v);
}
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
}  // namespace detail

template <class T>
T Value::as() const {
  if constexpr (std::is_same_v<T, Value>) {
    return *this;
  } else if constexpr (detail::is_optional<T>::value) {
    if (is_null()) return std::nullopt;
    return as<typename T::value_type>();
  } else if constexpr (std::is_same_v<T, bool>) {
    return detail::value_to_bool(*this);
  } else if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(detail::value_to_int64(*this));
  } else if constexpr (std::is_integral_v<T>) {
    return detail::checked_narrow<T>(detail::value_to_int64(*this));
  } else if constexpr (std::is_floating_point_v<T>) {
    return static_cast<T>(detail::value_to_double(*this));
  } else if constexpr (std::is_same_v<T, std::string>) {
    return detail::value_to_string(*this);
  } else if constexpr (std::is_same_v<T, Time>) {
    return detail::value_to_time(*this);
  } else if constexpr (std::is_same_v<T, Date>) {
    return detail::value_to_date(*this);
  } else if constexpr (std::is_same_v<T, Decimal>) {
    return detail::value_to_decimal(*this);
  } else if constexpr (std::is_same_v<T, Bytes>) {
    return detail::value_to_bytes(*this);
  } else {
    static_assert(sizeof(T) == 0, "grant::Value::as<T>: unsupported target type");
  }
}

/// Parses "YYYY-MM-DD HH:MM:SS[.ffffff]" (also with 'T', a trailing 'Z' or "+00"/"+00:00") as UTC.
/// Throws grant::ConversionError on anything else.
Time parse_time(std::string_view text);
/// Formats as "YYYY-MM-DD HH:MM:SS.ffffff" (UTC, always six fraction digits).
std::string format_time(Time t);
Date parse_date(std::string_view text);
std::string format_date(Date d);

/// Result rows of a statement: column names (as the driver reports them) and values.
struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;

  std::size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  /// Index of a column by name (case-sensitive first, then case-insensitive); throws
  /// grant::UnknownColumn when absent.
  std::size_t column_index(std::string_view name) const;
  /// Value at (row, column name).
  const Value& at(std::size_t row, std::string_view column) const { return rows.at(row).at(column_index(column)); }
};

/// A statement ready to send: SQL text with '?' placeholders and its parameters in order,
/// and optionally its own time limit (in place of the connection's; 0 ms = none).
struct Statement {
  std::string sql;
  std::vector<Value> params;
  std::optional<std::chrono::milliseconds> timeout;
};

}  // namespace grant
