// MariaDB / MySQL (MariaDB Connector/ODBC). Text columns are LONGTEXT, not VARCHAR(255)
// or TEXT: a std::string has no length limit, VARCHAR(255) would cut values and TEXT stops
// at 64 KiB ("Data too long", measured with the 5 MB round trip). An index or UNIQUE
// constraint on such a column needs a prefix length (CREATE INDEX i ON t (email(191))),
// or the schema author declares that column VARCHAR(n) by hand.
#include <grant/dialect.hpp>

#include "drivers/dialects/common.hpp"

namespace grant::dialects {

class MariadbDialect final : public Dialect {
 public:
  DialectKind kind() const override { return DialectKind::mariadb; }
  std::string_view name() const override { return "mariadb"; }
  std::string quote(std::string_view identifier) const override { return quote_with(identifier, '`'); }
  std::string type_name(ColumnType type) const override {
    switch (type) {
      case ColumnType::int32: return "INT";
      case ColumnType::int64: return "BIGINT";
      case ColumnType::real: return "DOUBLE";
      case ColumnType::boolean: return "BOOLEAN";
      case ColumnType::text: return "LONGTEXT";
      case ColumnType::bytes: return "LONGBLOB";
      case ColumnType::time: return "DATETIME(6)";
      case ColumnType::date: return "DATE";
      case ColumnType::decimal: return "DECIMAL(38,9)";
    }
    return "TEXT";
  }
  std::string auto_primary_key() const override { return "BIGINT AUTO_INCREMENT PRIMARY KEY"; }
  bool insert_returning() const override { return false; }
  std::string last_insert_id_sql() const override { return "SELECT LAST_INSERT_ID()"; }
  std::string begin_sql() const override { return "START TRANSACTION"; }
  // ON DUPLICATE KEY fires on any unique key of the table: `conflict` only names what to
  // keep when there is nothing to overwrite.
  bool bulk_returning() const override { return true; }
  std::string upsert_clause(const std::vector<std::string>& conflict,
                            const std::vector<std::string>& update) const override {
    std::string out = " ON DUPLICATE KEY UPDATE ";
    if (update.empty()) return out + conflict.front() + " = " + conflict.front();
    for (std::size_t i = 0; i < update.size(); ++i) out += (i ? ", " : "") + update[i] + " = VALUES(" + update[i] + ")";
    return out;
  }
  std::string drop_table_sql(std::string_view table) const override { return "DROP TABLE IF EXISTS " + quote(table); }
  std::string_view unlimited_sql() const override { return " LIMIT 18446744073709551615"; }
  std::string_view insert_defaults_sql() const override { return " () VALUES ()"; }
  std::string key_type_name(ColumnType type) const override {
    return type == ColumnType::text ? "VARCHAR(255)" : type_name(type);
  }
  std::string text_literal(std::string_view text) const override {
    std::string out = "'";
    for (char c : text) {
      if (c == '\'' || c == '\\') out += c;
      out += c;
    }
    return out + "'";
  }
};

const Dialect& mariadb_dialect() {
  static const MariadbDialect instance;
  return instance;
}

}  // namespace grant::dialects
