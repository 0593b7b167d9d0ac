// Schema -> DDL for the migrator: CREATE TABLE / DROP TABLE and DEFAULT literals.
#include "sql_build.hpp"

#include <grant/errors.hpp>

#include <cstdio>

namespace grant::orm::sql {

std::string literal(const Value& v, const Dialect& d) {
  const auto& s = v.storage();
  if (v.is_null()) return "NULL";
  if (auto b = std::get_if<bool>(&s)) return *b ? "TRUE" : "FALSE";
  if (auto i = std::get_if<std::int64_t>(&s)) return std::to_string(*i);
  if (auto x = std::get_if<double>(&s)) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", *x);
    return buf;
  }
  if (auto dec = std::get_if<Decimal>(&s)) return dec->text;
  if (auto bytes = std::get_if<Bytes>(&s)) {
    static const char* hex = "0123456789ABCDEF";
    std::string h;
    for (unsigned char c : bytes->data) {
      h += hex[c >> 4];
      h += hex[c & 15];
    }
    return d.bytes_literal(h);
  }
  return d.text_literal(v.as<std::string>());  // text, Time, Date in their canonical text
}

std::string create_table(const TableInfo& t, const Dialect& d) {
  std::string out = "CREATE TABLE " + d.quote(t.table) + " (";
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    const ColumnInfo& c = t.columns[i];
    out += (i ? ", " : "") + d.quote(c.name) + " ";
    if (c.primary_key && c.auto_increment) {
      out += d.auto_primary_key();
      continue;
    }
    out += c.primary_key ? d.key_type_name(c.type) : d.type_name(c.type);
    if (!c.nullable || c.primary_key) out += " NOT NULL";
    if (c.default_sql) out += " DEFAULT " + *c.default_sql;
    else if (c.default_value) out += " DEFAULT " + literal(*c.default_value, d);
    if (c.primary_key) out += " PRIMARY KEY";
  }
  return out + ")";
}

std::string drop_table(const TableInfo& t, const Dialect& d) { return d.drop_table_sql(t.table); }

}  // namespace grant::orm::sql
