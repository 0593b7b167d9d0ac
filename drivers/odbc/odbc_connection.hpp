// grant::Connection over one ODBC connection handle (SQLHDBC).
//
// Owned and used by one thread at a time (a driver worker); not thread-safe by itself.
#pragma once

#include <grant/connection.hpp>

#include "drivers/driver.hpp"
#include "drivers/odbc/connection_string.hpp"
#include "drivers/odbc/statement_io.hpp"
#include "drivers/odbc/watchdog.hpp"

#include <sql.h>
#include <sqlext.h>

#include <list>
#include <memory>
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
  std::int64_t query_each(const Statement& statement, RowSink& sink) override;
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
  void set_timeout(std::optional<std::chrono::milliseconds> timeout) override { timeout_override_ = timeout; }
  std::optional<std::chrono::milliseconds> timeout() const override { return timeout_override_; }

  /// query() without the statement hook: for the library's own set-up statements.
  Rows query_unhooked(const Statement& statement);

  /// The connection's TCP socket (-1: none or unknown), for the watchdog's last resort.
  void set_socket(int fd) { watch_->set_socket(fd); }
  int socket() const { return watch_->socket_fd(); }

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
    std::vector<std::string> names;  // of columns, handed to every RowSink
  };
  struct Result {
    std::int64_t affected = -1;  // rows fetched (with a sink) or affected
  };

  /// Runs `statement`; with a sink, fetches its rows into it.
  Result run(const Statement& statement, RowSink* sink);
  Result run_once(const Statement& statement, RowSink* sink, bool allow_retry, bool& retry);
  Cached& prepared(const std::string& sql, const std::string& shown, std::chrono::milliseconds limit);
  SQLHSTMT new_statement(const std::string& shown);
  void evict(const std::string& sql);
  void clear_cache();
  void control(const std::string& sql);
  void check_schema_version();
  std::string shown_sql(const Statement& statement) const;
  std::chrono::milliseconds limit_for(const Statement& statement) const;
  /// After the watchdog fired: no handle of this connection is used again.
  void quarantine() { quarantined_ = broken_ = true; }
  void refuse_if_quarantined(const std::string& shown) const;
  [[noreturn]] void throw_timeout(const std::string& shown, std::chrono::milliseconds limit, Watch::Outcome outcome,
                                  const std::string& driver_said) const;
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
  std::shared_ptr<Watch> watch_;
  std::optional<std::chrono::milliseconds> timeout_override_;
  bool in_transaction_ = false;
  bool broken_ = false;
  bool quarantined_ = false;
  bool unhooked_ = false;
};

}  // namespace grant::driver::odbc
