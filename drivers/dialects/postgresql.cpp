// PostgreSQL (psqlODBC). TIMESTAMP is "without time zone" and holds UTC: the session runs
// with TIME ZONE 'UTC' (driver defaults), so nothing shifts values on the way.
#include <grant/dialect.hpp>

#include "drivers/dialects/common.hpp"

namespace grant::dialects {

class PostgresqlDialect final : public Dialect {
 public:
  DialectKind kind() const override { return DialectKind::postgresql; }
  std::string_view name() const override { return "postgresql"; }
  std::string quote(std::string_view identifier) const override { return quote_with(identifier, '"'); }
  std::string type_name(ColumnType type) const override {
    switch (type) {
      case ColumnType::int32: return "INTEGER";
      case ColumnType::int64: return "BIGINT";
      case ColumnType::real: return "DOUBLE PRECISION";
      case ColumnType::boolean: return "BOOLEAN";
      case ColumnType::text: return "TEXT";
      case ColumnType::bytes: return "BYTEA";
      case ColumnType::time: return "TIMESTAMP";
      case ColumnType::date: return "DATE";
      case ColumnType::decimal: return "NUMERIC(38,9)";
    }
    return "TEXT";
  }
  std::string auto_primary_key() const override { return "BIGSERIAL PRIMARY KEY"; }
  bool insert_returning() const override { return true; }
  std::string last_insert_id_sql() const override { return "SELECT lastval()"; }
  std::string begin_sql() const override { return "BEGIN"; }
  // psqlODBC loses sync on a ParameterDescription message longer than about 30 kB ("lost
  // synchronization with server: got message type t"; 7000 parameters measured to work,
  // 8000 to fail), far below the protocol's 65535.
  std::size_t max_parameters() const override { return 7000; }
  bool bulk_returning() const override { return true; }
  std::string upsert_clause(const std::vector<std::string>& conflict,
                            const std::vector<std::string>& update) const override {
    return on_conflict_clause(conflict, update);
  }
  std::string drop_table_sql(std::string_view table) const override {
    return "DROP TABLE IF EXISTS " + quote(table) + " CASCADE";
  }
  std::string bytes_literal(std::string_view hex) const override { return "'\\x" + std::string(hex) + "'"; }
};

const Dialect& postgresql_dialect() {
  static const PostgresqlDialect instance;
  return instance;
}

}  // namespace grant::dialects
