// Shared pieces of the dialects: identifier quoting with a given quote character.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace grant::dialects {

/// Quotes each dot-separated part with `q`, doubling any `q` inside; "*" stays bare.
inline std::string quote_with(std::string_view identifier, char q) {
  std::string out;
  std::size_t start = 0;
  for (;;) {
    std::size_t dot = identifier.find('.', start);
    std::string_view part = identifier.substr(start, dot == std::string_view::npos ? std::string_view::npos : dot - start);
    if (part == "*") {
      out += '*';
    } else {
      out += q;
      for (char c : part) {
        if (c == q) out += q;
        out += c;
      }
      out += q;
    }
    if (dot == std::string_view::npos) break;
    out += '.';
    start = dot + 1;
  }
  return out;
}

/// " ON CONFLICT (k) DO UPDATE SET c = excluded.c" (PostgreSQL and SQLite >= 3.24 spell it
/// the same), or " ON CONFLICT (k) DO NOTHING" when there is nothing to overwrite.
inline std::string on_conflict_clause(const std::vector<std::string>& conflict, const std::vector<std::string>& update) {
  std::string out = " ON CONFLICT (";
  for (std::size_t i = 0; i < conflict.size(); ++i) out += (i ? ", " : "") + conflict[i];
  out += ")";
  if (update.empty()) return out + " DO NOTHING";
  out += " DO UPDATE SET ";
  for (std::size_t i = 0; i < update.size(); ++i) out += (i ? ", " : "") + update[i] + " = excluded." + update[i];
  return out;
}

}  // namespace grant::dialects
