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

// 'text', for messages (built by appending: GCC 12 warns falsely on "'" + std::string).
std::string quote(std::string_view text) {
  std::string out(1, '\'');
  out += text;
  out += '\'';
  return out;
}

bool has_key(const std::vector<Attribute>& attrs, std::initializer_list<std::string_view> names) {
  for (const auto& a : attrs)
    for (auto n : names)
      if (iequals(a.key, n)) return true;
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
  // Works on the text as written, so that what does not parse is still shown (a bare word,
  // an unclosed brace); only the values of PWD= / Password= are replaced.
  std::string out;
  std::size_t pos = 0;
  const std::string_view text = connection_string;
  while (pos < text.size()) {
    std::size_t semi = text.find(';', pos);
    std::size_t eq = text.find('=', pos);
    if (eq == std::string_view::npos || (semi != std::string_view::npos && semi < eq)) {
      std::size_t end = semi == std::string_view::npos ? text.size() : semi + 1;
      out += text.substr(pos, end - pos);
      pos = end;
      continue;
    }
    std::string key = boost::algorithm::to_lower_copy(trim(text.substr(pos, eq - pos)));
    bool secret = key == "pwd" || key == "password";
    out += text.substr(pos, eq + 1 - pos);
    pos = eq + 1;
    std::size_t value_end;
    std::size_t v = pos;
    while (v < text.size() && text[v] == ' ') ++v;
    if (v < text.size() && text[v] == '{') {
      value_end = v + 1;
      while (value_end < text.size()) {
        if (text[value_end] == '}') {
          if (value_end + 1 < text.size() && text[value_end + 1] == '}') {
            value_end += 2;
            continue;
          }
          ++value_end;
          break;
        }
        ++value_end;
      }
      std::size_t next = text.find(';', value_end);
      value_end = next == std::string_view::npos ? text.size() : next;
    } else {
      std::size_t next = text.find(';', pos);
      value_end = next == std::string_view::npos ? text.size() : next;
    }
    out += secret ? std::string_view("***") : text.substr(pos, value_end - pos);
    pos = value_end;
  }
  return out;
}

std::string parse_problem(std::string_view text) {
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t semi = text.find(';', pos);
    std::size_t end = semi == std::string_view::npos ? text.size() : semi;
    std::size_t eq = text.find('=', pos);
    if (eq == std::string_view::npos || eq > end) {
      std::string word = trim(text.substr(pos, end - pos));
      if (!word.empty()) return quote(word) + " is not a key=value pair";
      pos = end + 1;
      continue;
    }
    std::string key = trim(text.substr(pos, eq - pos));
    if (key.empty()) return "a value without a key at offset " + std::to_string(pos);
    std::size_t v = eq + 1;
    while (v < text.size() && text[v] == ' ') ++v;
    if (v < text.size() && text[v] == '{') {
      bool closed = false;
      for (++v; v < text.size(); ++v) {
        if (text[v] != '}') continue;
        if (v + 1 < text.size() && text[v + 1] == '}') {
          ++v;
          continue;
        }
        closed = true;
        break;
      }
      if (!closed) return "the value of " + quote(key) + " opens '{' without a closing '}'";
      std::size_t next = text.find(';', v);
      std::string rest = trim(text.substr(v + 1, (next == std::string_view::npos ? text.size() : next) - v - 1));
      if (!rest.empty()) return "text after the braced value of " + quote(key);
      end = next == std::string_view::npos ? text.size() : next;
    }
    pos = end + 1;
  }
  return "";
}

}  // namespace grant::driver::odbc

namespace grant::driver {

std::string with_driver_defaults(const std::string& connection_string, std::chrono::milliseconds busy_timeout,
                                 std::chrono::milliseconds connect_timeout) {
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
      // Connector/ODBC 3.1's SQL_ATTR_LOGIN_TIMEOUT does not bound the wait for the server's
      // greeting; CONN_TIMEOUT becomes the client library's connect timeout, which bounds
      // the TCP connect and then that wait (each on its own), and nothing after connecting.
      if (connect_timeout.count() > 0)
        add({"CONN_TIMEOUT"}, "CONN_TIMEOUT=" + std::to_string(whole_seconds_up(connect_timeout)));
      break;
    case DriverKind::unknown:
      break;
  }
  return out;
}

}  // namespace grant::driver
