// grant::Errors.
#include <grant/record.hpp>

namespace grant {

void Errors::add(std::string field, std::string message) { items_.emplace_back(std::move(field), std::move(message)); }

std::vector<std::string> Errors::on(std::string_view field) const {
  std::vector<std::string> out;
  for (const auto& [f, m] : items_)
    if (f == field) out.push_back(m);
  return out;
}

std::vector<std::string> Errors::full_messages() const {
  std::vector<std::string> out;
  out.reserve(items_.size());
  for (const auto& [f, m] : items_) out.push_back(f == "base" || f.empty() ? m : f + " " + m);
  return out;
}

}  // namespace grant
