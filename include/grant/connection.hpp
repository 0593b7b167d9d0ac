// grant::Connection — one open database connection, as the ORM sees it inside a job.
//
// The ODBC implementation lives in drivers/odbc/. A Connection belongs to its shard's pool
// and is used by one thread at a time, the one running the operation it was handed to
// (Shard::run): use it only inside that function and never keep a reference beyond it.
#pragma once

#include <grant/dialect.hpp>
#include <grant/value.hpp>

#include <cstdint>
#include <string>
#include <string_view>

namespace grant {

class Connection {
 public:
  virtual ~Connection() = default;

  virtual const Dialect& dialect() const = 0;
  /// Name of the shard this connection belongs to (for error messages and logs).
  virtual const std::string& shard() const = 0;

  /// Runs a statement that returns rows. Prepared statements are cached per connection by
  /// SQL text and re-prepared once on SQLSTATE 0A000. Throws DatabaseError (or a subclass).
  virtual Rows query(const Statement& statement) = 0;
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

  /// True once a call failed with a connection-class error (SQLSTATE 08xxx, 57P01..57P03):
  /// the pool discards the connection after the current job.
  virtual bool broken() const = 0;
};

}  // namespace grant
