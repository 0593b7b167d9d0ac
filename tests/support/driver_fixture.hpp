// A test fixture for the driver-level suites: one grant::Connection to the backend's
// primary database, opened with grant::driver::connect() (no Runtime involved), and a
// helper that (re)creates a table with the dialect's types.
#pragma once

#include "drivers/driver.hpp"
#include "tests/support/backend.hpp"

#include <grant/connection.hpp>

#include <clocale>
#include <memory>
#include <string>
#include <vector>

namespace grant::test {

/// The process locale must be UTF-8 for psqlODBC's narrow API (docs/drivers.md); the Runtime
/// sets it in real programs, these suites have no Runtime.
struct Utf8Locale {
  Utf8Locale() { std::setlocale(LC_ALL, "C.UTF-8"); }
};

inline std::unique_ptr<Connection> open_primary(driver::ConnectOptions options = {}) {
  if (options.shard.empty()) options.shard = "primary";
  return driver::connect(backend().shards.at(0), options);
}

struct DriverFixture {
  Utf8Locale locale;
  std::unique_ptr<Connection> conn = open_primary();
  Connection& c = *conn;

  std::string type(ColumnType t) const { return c.dialect().type_name(t); }
  std::string q(std::string_view identifier) const { return c.dialect().quote(identifier); }

  /// Drops and creates `table` with an auto-increment "id" and the given "name TYPE" columns.
  void create_table(const std::string& table, const std::vector<std::string>& columns) {
    c.exec({c.dialect().drop_table_sql(table), {}});
    std::string sql = "CREATE TABLE " + q(table) + " (" + q("id") + " " + c.dialect().auto_primary_key();
    for (const auto& column : columns) sql += ", " + column;
    c.exec({sql + ")", {}});
  }
};

}  // namespace grant::test
