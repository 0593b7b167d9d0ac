// grant::Dialect — what differs between SQLite, PostgreSQL and MariaDB SQL text.
// Implementations live in drivers/dialects/; the connection picks one from
// SQLGetInfo(SQL_DBMS_NAME) when it connects. Dialects are stateless singletons: safe to
// share across threads.
#pragma once

#include <string>
#include <string_view>

namespace grant {

enum class DialectKind { sqlite, postgresql, mariadb };

/// Storage class of a model column, mapped to a DDL type name by each dialect.
enum class ColumnType { int32, int64, real, boolean, text, bytes, time, date, decimal };

class Dialect {
 public:
  virtual ~Dialect() = default;
  virtual DialectKind kind() const = 0;
  /// "sqlite", "postgresql", "mariadb".
  virtual std::string_view name() const = 0;

  /// Quotes an identifier ("user" / `user`); a dotted name is quoted part by part
  /// ("posts"."id"); "*" stays bare.
  virtual std::string quote(std::string_view identifier) const = 0;

  /// DDL type for a column ("BIGINT", "TIMESTAMP", "NUMERIC(38,9)", ...).
  virtual std::string type_name(ColumnType type) const = 0;
  /// DDL for an auto-increment integer primary key column, without the quoted name
  /// (e.g. "INTEGER PRIMARY KEY AUTOINCREMENT", "BIGSERIAL PRIMARY KEY").
  virtual std::string auto_primary_key() const = 0;

  /// True if INSERT ... RETURNING gives back the generated key (PostgreSQL). Otherwise the
  /// connection runs last_insert_id_sql() on the same connection right after the insert.
  virtual bool insert_returning() const = 0;
  virtual std::string last_insert_id_sql() const = 0;

  /// Statement that opens a transaction: "BEGIN IMMEDIATE" on SQLite (a
  /// deferred transaction that reads then writes fails at once with "database is locked").
  virtual std::string begin_sql() const = 0;
  virtual std::string savepoint_sql(std::string_view name) const { return "SAVEPOINT " + quote(name); }
  virtual std::string release_sql(std::string_view name) const { return "RELEASE SAVEPOINT " + quote(name); }
  virtual std::string rollback_to_sql(std::string_view name) const { return "ROLLBACK TO SAVEPOINT " + quote(name); }

  /// A bare "DROP TABLE IF EXISTS x" is portable; CASCADE differs.
  virtual std::string drop_table_sql(std::string_view table) const = 0;
};

/// The dialect singleton for `kind`.
const Dialect& dialect_for(DialectKind kind);

}  // namespace grant
