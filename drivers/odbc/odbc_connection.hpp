// grant::Connection over one ODBC connection handle (SQLHDBC).
//
// Owned and used by one thread at a time (a driver worker); not thread-safe by itself.
#pragma once

#include <grant/connection.hpp>

#include "drivers/driver.hpp"
#include "drivers/odbc/connection_string.hpp"
#include "drivers/odbc/statement_io.hpp"

#include <sql.h>
#include <sqlext.h>

#include <list>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace grant::driver::odbc {

class OdbcConnection final : public Connection {
 public:
  /// Takes ownership of a connected `dbc`.
  OdbcConnection(SQLHDBC dbc, const Dialect& dialect, ConnectOptions options);
  ~OdbcConnection() override;
  OdbcConnection(const OdbcConnection&) = delete;
  OdbcConnection& operator=(const OdbcConnection&) = delete;

  const Dialect& dialect() const override { return *dialect_; }
  const std::string& shard() const override { return options_.shard; }

  Rows query(const Statement& statement) override;
  std::int64_t exec(const Statement& statement) override;
  std::int64_t insert(const Statement& statement, std::string_view key_column) override;

  void begin() override;
  void commit() override;
  void rollback() override;
  void savepoint(std::string_view name) override;
  void release(std::string_view name) override;
  void rollback_to(std::string_view name) override;
  bool in_transaction() const override { return in_transaction_; }
  bool broken() const override { return broken_; }

  /// Prepared statements currently cached (for tests).
  std::size_t cached_statements() const { return cache_.size(); }

 private:
  struct Cached {
    SQLHSTMT handle;
    std::list<std::string>::iterator lru;
    int placeholders;  // from SQLNumParams; -1 if the driver could not tell
    // Result columns, described on the first run that fetched. A cached statement's result
    // shape does not change: when DDL changes it, the driver refuses the handle (0A000,
    // 2057, 1615: evicted, re-prepared) or the cache is cleared (local DDL, SQLite's schema
    // check); docs/drivers.md, "Statement cache".
    std::optional<std::vector<Column>> columns;
  };
  struct Result {
    Rows rows;
    std::int64_t affected = -1;
  };

  Result run(const Statement& statement, bool fetch);
  Result run_once(const Statement& statement, bool fetch, bool allow_retry, bool& retry);
  Cached& prepared(const std::string& sql, const std::string& shown);
  SQLHSTMT new_statement(const std::string& shown);
  void evict(const std::string& sql);
  void clear_cache();
  void control(const std::string& sql);
  void check_schema_version();
  std::string shown_sql(const Statement& statement) const;
  std::string shown_params(const Statement& statement) const;  ///< empty unless log_parameters
  void emit(const std::string& sql, std::int64_t rows, std::chrono::microseconds duration, bool ok,
            const Statement* statement = nullptr);

  SQLHDBC dbc_;
  const Dialect* dialect_;
  ConnectOptions options_;
  Quirks quirks_;
  std::unordered_map<std::string, Cached> cache_;
  std::list<std::string> lru_;  // most recently used first
  SQLHSTMT direct_ = SQL_NULL_HSTMT;  // for transaction control, never cached by SQL
  std::vector<char> buffer_;
  SQLHSTMT schema_probe_ = SQL_NULL_HSTMT;  // SQLite: PRAGMA schema_version, prepared once
  std::int64_t schema_version_ = -1;
  bool in_transaction_ = false;
  bool broken_ = false;
};

}  // namespace grant::driver::odbc
