// grant::Connection — one open database connection, as the ORM sees it inside a job.
//
// The ODBC implementation lives in drivers/odbc/. A Connection belongs to its shard's pool
// and is used by one thread at a time, the one running the operation it was handed to
// (Shard::run): use it only inside that function and never keep a reference beyond it.
#pragma once

#include <grant/dialect.hpp>
#include <grant/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace grant {

/// Receives a result one row at a time (Connection::query_each), so that a caller that
/// maps rows into its own objects never holds the whole result twice.
class RowSink {
 public:
  virtual ~RowSink() = default;
  /// Called once, before the first row, with the result's column names.
  virtual void columns(const std::vector<std::string>& names) = 0;
  /// One row, a Value per column. The vector is reused for the next row: move out what
  /// you keep. May throw; the statement then fails with that exception.
  virtual void row(std::vector<Value>& values) = 0;
};

class Connection {
 public:
  virtual ~Connection() = default;

  virtual const Dialect& dialect() const = 0;
  /// Name of the shard this connection belongs to (for error messages and logs).
  virtual const std::string& shard() const = 0;

  /// Runs a statement that returns rows. Prepared statements are cached per connection by
  /// SQL text and re-prepared once on SQLSTATE 0A000. Throws DatabaseError (or a subclass).
  ///
  /// Every statement here (and every transaction-control statement) runs under a deadline:
  /// the Statement's own timeout, else the one set with set_timeout(), else the shard's
  /// query_timeout (0 = none). Past it the statement is cancelled (SQLCancel; if the driver
  /// still does not return within a short grace, its socket is shut down) and QueryTimeout
  /// is thrown, on every driver and whether the server answers or not. The connection is
  /// then broken(): the pool replaces it.
  virtual Rows query(const Statement& statement) = 0;
  /// As query(), but hands each row to `sink` as it is fetched; returns the number of rows.
  virtual std::int64_t query_each(const Statement& statement, RowSink& sink) = 0;
  /// Runs a statement and returns the rows affected (-1 when the driver does not know).
  virtual std::int64_t exec(const Statement& statement) = 0;
  /// Runs an INSERT and returns the generated key of `key_column`: RETURNING where the
  /// dialect has it, else last_insert_id_sql() on this same connection.
  virtual std::int64_t insert(const Statement& statement, std::string_view key_column) = 0;

  /// Transaction control. begin() uses dialect().begin_sql(); nested levels are the
  /// caller's business (savepoint/release/rollback_to).
  virtual void begin() = 0;
  virtual void commit() = 0;
  virtual void rollback() = 0;
  virtual void savepoint(std::string_view name) = 0;
  virtual void release(std::string_view name) = 0;
  virtual void rollback_to(std::string_view name) = 0;
  virtual bool in_transaction() const = 0;

  /// Time limit of the statements that follow on this connection, in place of the shard's
  /// query_timeout, until set again: nullopt = the shard's, 0 ms = none. A Statement's own
  /// timeout wins over it. Use TimeoutScope to set it for one block.
  virtual void set_timeout(std::optional<std::chrono::milliseconds> timeout) = 0;
  virtual std::optional<std::chrono::milliseconds> timeout() const = 0;

  /// True once a call failed with a connection-class error (SQLSTATE 08xxx, 57P01..57P03):
  /// the pool discards the connection after the current job.
  virtual bool broken() const = 0;
};

/// Sets a connection's statement time limit for the scope of this object (nothing changes
/// when `timeout` is nullopt), then puts the previous one back.
class TimeoutScope {
 public:
  TimeoutScope(Connection& c, std::optional<std::chrono::milliseconds> timeout) : c_(c), previous_(c.timeout()) {
    if (timeout) c_.set_timeout(timeout);
  }
  ~TimeoutScope() { c_.set_timeout(previous_); }
  TimeoutScope(const TimeoutScope&) = delete;
  TimeoutScope& operator=(const TimeoutScope&) = delete;

 private:
  Connection& c_;
  std::optional<std::chrono::milliseconds> previous_;
};

}  // namespace grant
