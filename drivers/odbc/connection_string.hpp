// ODBC connection strings: parsing "k=v;k={v;v}" pairs, spotting the driver, adding
// the per-driver defaults of docs/drivers.md, and masking passwords for messages.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace grant::driver::odbc {

/// TCP keep-alive defaults for the network drivers: first probe after keepalive_idle
/// without traffic, then every keepalive_interval; the peer is given up after
/// keepalive_count unanswered probes where the count can be set (docs/drivers.md).
inline constexpr std::chrono::seconds keepalive_idle{30};
inline constexpr std::chrono::seconds keepalive_interval{10};
inline constexpr int keepalive_count = 3;

/// A timeout in the whole seconds drivers take, rounded up and never down to 0 (which
/// drivers read as "no limit"); `t` must be > 0.
inline long long whole_seconds_up(std::chrono::milliseconds t) { return (t.count() + 999) / 1000; }

/// Which ODBC driver a connection string names (from Driver=); unknown for a DSN.
enum class DriverKind { unknown, sqlite, postgresql, mariadb };

struct Attribute {
  std::string key;    ///< as written
  std::string value;  ///< without the surrounding braces
  bool braced = false;  ///< the value was written as {...}
};

/// Splits a connection string into key/value pairs. Braced values ({...}, with "}}" for a
/// literal brace) may contain ';'.
std::vector<Attribute> parse_connection_string(std::string_view text);

/// Driver named by Driver= ("SQLite3", "{PostgreSQL Unicode}", "{MariaDB Unicode}", or a
/// path to the .so); DriverKind::unknown if there is no Driver= (a DSN) or it is not ours.
DriverKind detect_driver(std::string_view connection_string);

/// The string as written, with PWD=/Password= values replaced by "***" (parts that do not
/// parse are kept, so an error message shows what was given).
std::string mask_password(std::string_view connection_string);

/// Why `text` does not parse as "key=value;..." pairs (a bare word, a value without key,
/// an unclosed brace), or empty if it does. For error messages: ODBC ignores such parts.
std::string parse_problem(std::string_view text);

}  // namespace grant::driver::odbc
