// Connection-string handling; see connection_string.hpp.
#include "drivers/odbc/connection_string.hpp"

#include "drivers/driver.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/algorithm/string/predicate.hpp>
#include <boost/algorithm/string/trim.hpp>

namespace grant::driver::odbc {
namespace {

using boost::algorithm::iequals;

std::string trim(std::string_view s) { return boost::algorithm::trim_copy(std::string(s)); }

bool has_key(const std::vector<Attribute>& attrs, std::initializer_list<std::string_view> names) {
  for (const auto& a : attrs)
    for (auto n : names)
      if (iequals(a.key, n)) return true;
  return false;
}

// Braces whenever the value holds a separator, so that "SET TIME ZONE 'UTC'" survives
// (DESIGN.md: without braces psqlODBC turns '+' into a space).
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
    if (!iequals(a.key, "driver")) continue;
    const std::string v = boost::algorithm::to_lower_copy(a.value);
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
    const bool secret = iequals(a.key, "pwd") || iequals(a.key, "password");
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

std::string mask_password(std::string_view connection_string) { return odbc::mask_password(connection_string); }

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
      // libpq's TCP keep-alive (seconds); the probe count stays the system's.
      add({"KeepaliveTime"}, "KeepaliveTime=" + std::to_string(keepalive_idle.count()));
      add({"KeepaliveInterval"}, "KeepaliveInterval=" + std::to_string(keepalive_interval.count()));
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
