// TableInfo lookups and the column-name rules of query.hpp.
#include <grant/errors.hpp>
#include <grant/orm/table.hpp>

#include <cxxabi.h>

#include <cctype>
#include <cstdlib>
#include <memory>

namespace grant::orm {

std::optional<std::size_t> TableInfo::find_column(std::string_view name) const {
  for (std::size_t i = 0; i < columns.size(); ++i)
    if (columns[i].name == name) return i;
  return std::nullopt;
}

std::size_t TableInfo::column_index(std::string_view name) const {
  if (auto i = find_column(name)) return *i;
  throw UnknownColumn(model, std::string(name));
}

std::size_t TableInfo::pk_index() const {
  if (!primary_key) throw Error(model + " (table " + table + ") declares no primary key");
  return *primary_key;
}

const ColumnInfo& TableInfo::pk() const { return columns[pk_index()]; }

const AssociationInfo& TableInfo::association(std::string_view name) const {
  for (const auto& a : associations)
    if (a.name == name) return a;
  std::string known;
  for (const auto& a : associations) known += (known.empty() ? "" : ", ") + a.name;
  throw Error(model + " has no association named \"" + std::string(name) + "\" (known: " +
              (known.empty() ? "none" : known) + ")");
}

std::string AssociationInfo::owner_column(const TableInfo& owner) const {
  return kind == AssociationKind::belongs_to ? foreign_key : owner.pk().name;
}

std::string AssociationInfo::target_column() const {
  return kind == AssociationKind::belongs_to ? target().pk().name : foreign_key;
}

std::string model_name(const std::type_info& type) {
  int status = 0;
  std::unique_ptr<char, void (*)(void*)> demangled(abi::__cxa_demangle(type.name(), nullptr, nullptr, &status),
                                                   std::free);
  std::string name = status == 0 && demangled ? demangled.get() : type.name();
  if (auto lt = name.find('<'); lt != std::string::npos) name.erase(lt);
  if (auto colon = name.rfind("::"); colon != std::string::npos) name.erase(0, colon + 2);
  return name;
}

std::string snake_case(std::string_view name) {
  std::string out;
  for (std::size_t i = 0; i < name.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (std::isupper(c)) {
      if (i > 0 && name[i - 1] != '_') out += '_';
      out += static_cast<char>(std::tolower(c));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

bool is_identifier(std::string_view name) {
  if (name.empty()) return false;
  for (char ch : name) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || c == '_' || c == '.' || c == '*' || c >= 0x80)) return false;
  }
  return true;
}

void check_column(const TableInfo& table, std::string_view name) {
  // A blank name is no expression: it would reach the database as "WHERE  = ?".
  if (name.find_first_not_of(" \t\r\n") == std::string_view::npos) throw UnknownColumn(table.model, std::string(name));
  if (!is_identifier(name)) return;  // a raw SQL expression: the user's responsibility
  if (auto dot = name.rfind('.'); dot != std::string_view::npos) {
    if (name.substr(0, dot) != table.table) return;  // another table (a join): not ours to check
    name = name.substr(dot + 1);
  }
  if (name == "*") return;
  table.column_index(name);
}

}  // namespace grant::orm
