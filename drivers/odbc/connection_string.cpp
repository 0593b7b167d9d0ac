// Connection-string handling; see connection_string.hpp.
#include "drivers/odbc/connection_string.hpp"

#include "drivers/driver.hpp"

#include <algorithm>
#include <cctype>

namespace grant::driver::odbc {
namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

bool has_key(const std::vector<Attribute>& attrs, std::initializer_list<std::string_view> names) {
  for (const auto& a : attrs)
    for (auto n : names)
      if (lower(a.key) == lower(n)) return true;
  return false;
}

// Braces whenever the value holds a separator, so that "SET TIME ZONE 'UTC'" survives
// (without braces psqlODBC turns '+' into a space).
std::string braced(std::string_view v) {
  std::string out = "{";
  out += v;
  out += '}';
  return out;
}

void append(std::string& s, std::string_view pair) {
  if (!s.empty() && s.back() != ';') s += ';';
  s += pair;
}

}  // namespace

std::vector<Attribute> parse_connection_string(std::string_view text) {
  std::vector<Attribute> out;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t eq = text.find('=', pos);
    std::size_t semi = text.find(';', pos);
    if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
      // A bare word without '=': skip it (ODBC ignores it too).
      pos = semi == std::string_view::npos ? text.size() : semi + 1;
      continue;
    }
    Attribute a;
    a.key = std::string(trim(text.substr(pos, eq - pos)));
    pos = eq + 1;
    while (pos < text.size() && text[pos] == ' ') ++pos;
    if (pos < text.size() && text[pos] == '{') {
      a.braced = true;
      ++pos;
      while (pos < text.size()) {
        if (text[pos] == '}') {
          if (pos + 1 < text.size() && text[pos + 1] == '}') {
            a.value += '}';
            pos += 2;
            continue;
          }
          ++pos;
          break;
        }
        a.value += text[pos++];
      }
      std::size_t next = text.find(';', pos);
      pos = next == std::string_view::npos ? text.size() : next + 1;
    } else {
      std::size_t end = text.find(';', pos);
      if (end == std::string_view::npos) end = text.size();
      a.value = std::string(trim(text.substr(pos, end - pos)));
      pos = end + 1;
    }
    if (!a.key.empty()) out.push_back(std::move(a));
  }
  return out;
}

DriverKind detect_driver(std::string_view connection_string) {
  for (const auto& a : parse_connection_string(connection_string)) {
    if (lower(a.key) != "driver") continue;
    std::string v = lower(a.value);
    if (v.find("sqlite") != std::string::npos) return DriverKind::sqlite;
    if (v.find("postgres") != std::string::npos || v.find("psqlodbc") != std::string::npos)
      return DriverKind::postgresql;
    if (v.find("mariadb") != std::string::npos || v.find("maodbc") != std::string::npos ||
        v.find("mysql") != std::string::npos)
      return DriverKind::mariadb;
  }
  return DriverKind::unknown;
}

std::string mask_password(std::string_view connection_string) {
  std::string out;
  for (const auto& a : parse_connection_string(connection_string)) {
    std::string k = lower(a.key);
    bool secret = k == "pwd" || k == "password";
    std::string v = secret ? "***" : a.value;
    if (a.braced && !secret) {
      std::string escaped;
      for (char c : v) escaped += c == '}' ? std::string("}}") : std::string(1, c);
      v = braced(escaped);
    }
    append(out, a.key + "=" + v);
  }
  return out;
}

}  // namespace grant::driver::odbc

namespace grant::driver {

std::string with_driver_defaults(const std::string& connection_string, std::chrono::milliseconds busy_timeout) {
  using namespace odbc;
  auto attrs = parse_connection_string(connection_string);
  std::string out = connection_string;
  auto add = [&](std::initializer_list<std::string_view> keys, std::string pair) {
    if (!has_key(attrs, keys)) append(out, pair);
  };
  switch (detect_driver(connection_string)) {
    case DriverKind::postgresql:
      // B7 / A6 are psqlODBC's short aliases of the same settings.
      add({"BoolsAsChar", "B7"}, "BoolsAsChar=0");
      add({"ConnSettings", "A6"}, "ConnSettings=" + braced("SET TIME ZONE 'UTC'"));
      break;
    case DriverKind::sqlite:
      add({"BigInt"}, "BigInt=1");
      add({"FKSupport"}, "FKSupport=1");
      add({"JournalMode"}, "JournalMode=WAL");
      add({"Timeout"}, "Timeout=" + std::to_string(busy_timeout.count()));
      break;
    case DriverKind::mariadb:
      add({"CHARSET"}, "CHARSET=utf8mb4");
      add({"OPTION"}, "OPTION=2");
      add({"INITSTMT"}, "INITSTMT=" + braced("SET time_zone='+00:00'"));
      break;
    case DriverKind::unknown:
      break;
  }
  return out;
}

}  // namespace grant::driver
