// grant::Dialect — what differs between SQLite, PostgreSQL and MariaDB SQL text.
// Implementations live in drivers/dialects/; the connection picks one from
// SQLGetInfo(SQL_DBMS_NAME) when it connects. Dialects are stateless singletons: safe to
// share across threads.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace grant {

enum class DialectKind { sqlite, postgresql, mariadb };

/// Storage class of a model column, mapped to a DDL type name by each dialect.
enum class ColumnType { int32, int64, real, boolean, text, bytes, time, date, decimal };

/// Row lock of a locking read (Query::lock): wait for the lock, fail at once if a row is
/// locked (NOWAIT), or leave locked rows out (SKIP LOCKED).
enum class LockMode { none, wait, nowait, skip_locked };

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

  /// The clause a locking SELECT ends with (" FOR UPDATE [NOWAIT | SKIP LOCKED]"), or ""
  /// where the database has no row locks (SQLite: the write transaction, opened with
  /// begin_sql(), already excludes every other writer).
  virtual std::string lock_clause(LockMode mode) const {
    switch (mode) {
      case LockMode::none: return "";
      case LockMode::wait: return " FOR UPDATE";
      case LockMode::nowait: return " FOR UPDATE NOWAIT";
      case LockMode::skip_locked: return " FOR UPDATE SKIP LOCKED";
    }
    return "";
  }

  /// Most '?' parameters one statement may carry (bulk writes are chunked under it). ODBC
  /// counts parameters in a signed 16-bit SQLSMALLINT, and the drivers fail beyond 32767
  /// (MariaDB Connector/ODBC: HY001) although the servers take 65535; SQLite's own default
  /// limit is 32766. PostgreSQL's dialect goes lower (see there).
  virtual std::size_t max_parameters() const { return 32766; }
  /// True if a multi-row INSERT ... RETURNING hands back its rows through the driver.
  virtual bool bulk_returning() const { return false; }
  /// True if the rows of one multi-row INSERT without explicit keys get consecutive keys
  /// ending at last_insert_id_sql() (used when bulk_returning() is false).
  virtual bool consecutive_insert_ids() const { return false; }
  /// The conflict clause of an upsert, appended after the VALUES rows. `conflict` are the
  /// quoted columns of the unique key, `update` the quoted columns to overwrite from the
  /// row that was refused (empty: keep the stored row as it is).
  virtual std::string upsert_clause(const std::vector<std::string>& conflict,
                                    const std::vector<std::string>& update) const = 0;

  /// A bare "DROP TABLE IF EXISTS x" is portable; CASCADE differs.
  virtual std::string drop_table_sql(std::string_view table) const = 0;

  /// What goes before " OFFSET ?" when a query has an offset but no limit: "" where OFFSET
  /// may stand alone (PostgreSQL), else a LIMIT that means "all rows" (" LIMIT -1").
  virtual std::string_view unlimited_sql() const { return {}; }
  /// The tail of an INSERT that sets no column: " DEFAULT VALUES" (MariaDB: " () VALUES ()").
  virtual std::string_view insert_defaults_sql() const { return " DEFAULT VALUES"; }
  /// DDL type of a primary-key column that is not generated (MariaDB cannot index a TEXT
  /// column without a length, so a text key becomes VARCHAR(255) there).
  virtual std::string key_type_name(ColumnType type) const { return type_name(type); }
  /// A text literal for DDL (DEFAULT clauses): quotes doubled ("'O''Brien'"); MariaDB also
  /// doubles backslashes, which it reads as escapes.
  virtual std::string text_literal(std::string_view text) const;
  /// A bytes literal for DDL from upper-case hex digits: X'CAFE' (PostgreSQL: '\xCAFE').
  virtual std::string bytes_literal(std::string_view hex) const { return "X'" + std::string(hex) + "'"; }
};

/// The dialect singleton for `kind`.
const Dialect& dialect_for(DialectKind kind);

}  // namespace grant
