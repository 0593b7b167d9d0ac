// grant::dialect_for(): the singleton of each dialect.
#include <grant/dialect.hpp>

namespace grant {
namespace dialects {
const Dialect& sqlite_dialect();
const Dialect& postgresql_dialect();
const Dialect& mariadb_dialect();
}  // namespace dialects

std::string Dialect::text_literal(std::string_view text) const {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

const Dialect& dialect_for(DialectKind kind) {
  switch (kind) {
    case DialectKind::sqlite: return dialects::sqlite_dialect();
    case DialectKind::postgresql: return dialects::postgresql_dialect();
    case DialectKind::mariadb: return dialects::mariadb_dialect();
  }
  return dialects::sqlite_dialect();
}

}  // namespace grant
