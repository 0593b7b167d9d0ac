// SQLite (through the SQLite3 ODBC driver). Time and Date are stored as text
// "YYYY-MM-DD HH:MM:SS.ffffff" / "YYYY-MM-DD" (the driver keeps only milliseconds of a
// bound timestamp struct), which also sorts and compares correctly as text.
#include <grant/dialect.hpp>

#include "drivers/dialects/common.hpp"

namespace grant::dialects {

class SqliteDialect final : public Dialect {
 public:
  DialectKind kind() const override { return DialectKind::sqlite; }
  std::string_view name() const override { return "sqlite"; }
  std::string quote(std::string_view identifier) const override { return quote_with(identifier, '"'); }
  std::string type_name(ColumnType type) const override {
    switch (type) {
      case ColumnType::int32: return "INTEGER";
      case ColumnType::int64: return "INTEGER";  // described as SQL_BIGINT with BigInt=1
      case ColumnType::real: return "REAL";
      case ColumnType::boolean: return "BOOLEAN";
      case ColumnType::text: return "TEXT";
      case ColumnType::bytes: return "BLOB";
      case ColumnType::time: return "TIMESTAMP";
      case ColumnType::date: return "DATE";
      case ColumnType::decimal: return "NUMERIC(38,9)";  // stored as REAL: not exact
    }
    return "TEXT";
  }
  std::string auto_primary_key() const override { return "INTEGER PRIMARY KEY AUTOINCREMENT"; }
  bool insert_returning() const override { return false; }  // the driver cannot fetch RETURNING rows
  std::string last_insert_id_sql() const override { return "SELECT last_insert_rowid()"; }
  std::string begin_sql() const override { return "BEGIN IMMEDIATE"; }
  // No row locks: lock() relies on the write transaction (BEGIN IMMEDIATE) instead.
  std::string lock_clause(LockMode) const override { return ""; }
  // The driver hands back no RETURNING rows; a multi-row INSERT numbers its rows
  // consecutively instead (the write lock is held for the whole statement).
  bool consecutive_insert_ids() const override { return true; }
  std::string upsert_clause(const std::vector<std::string>& conflict,
                            const std::vector<std::string>& update) const override {
    return on_conflict_clause(conflict, update);
  }
  std::string drop_table_sql(std::string_view table) const override { return "DROP TABLE IF EXISTS " + quote(table); }
  std::string_view unlimited_sql() const override { return " LIMIT -1"; }
};

const Dialect& sqlite_dialect() {
  static const SqliteDialect instance;
  return instance;
}

}  // namespace grant::dialects
