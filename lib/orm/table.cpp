// TableInfo lookups: columns and associations by exact name, with the errors that list them.
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
  throw UnknownColumn(model, std::string(name), column_names());
}

std::vector<std::string> TableInfo::column_names() const {
  std::vector<std::string> out;
  out.reserve(columns.size());
  for (const auto& c : columns) out.push_back(c.name);
  return out;
}

std::size_t TableInfo::pk_index() const {
  if (!primary_key) throw Error(model + " (table " + table + ") declares no primary key");
  return *primary_key;
}

const ColumnInfo& TableInfo::pk() const { return columns[pk_index()]; }

const AssociationInfo* TableInfo::find_association(std::string_view name) const {
  for (const auto& a : associations)
    if (a.name == name) return &a;
  return nullptr;
}

const AssociationInfo& TableInfo::association(std::string_view name) const {
  if (auto a = find_association(name)) return *a;
  std::vector<std::string> known;
  for (const auto& a : associations) known.push_back(a.name);
  throw UnknownAssociation(model, std::string(name), std::move(known));
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

}  // namespace grant::orm
