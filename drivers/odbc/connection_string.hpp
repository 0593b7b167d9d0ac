// ODBC connection strings: parsing "k=v;k={v;v}" pairs, spotting the driver, adding
// the per-driver defaults of docs/drivers.md, and masking passwords for messages.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

namespace grant::driver::odbc {

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

/// The string with PWD=/Password= values replaced by "***".
std::string mask_password(std::string_view connection_string);

}  // namespace grant::driver::odbc
