// Shared pieces of the dialects: identifier quoting with a given quote character.
#pragma once

#include <string>
#include <string_view>

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

}  // namespace grant::dialects
