// grant::Config: INI (Boost.PropertyTree), environment overlay, and validation.
//
// Every error is a ConfigError whose message starts with where the setting came from
// ("path/to/file.ini", "environment" or "code") and names the key, so a typo is found
// from the message alone.
#include <grant/config.hpp>
#include <grant/errors.hpp>

#include "lib/logging.hpp"

#include <boost/algorithm/string/case_conv.hpp>
#include <boost/property_tree/ini_parser.hpp>
#include <boost/property_tree/ptree.hpp>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstdlib>
#include <fstream>
#include <set>

extern char** environ;

namespace grant {
namespace {

[[noreturn]] void fail(const std::string& where, const std::string& key, const std::string& what) {
  throw ConfigError(where + ": " + key + ": " + what);
}

// Boost's INI reader keeps "8   ; comment" as the value. A comment starts at ';' or '#'
// after whitespace and outside braces, so connection strings ("Driver=X;Database=y",
// "ConnSettings={SET TIME ZONE 'UTC'}") survive intact.
std::string strip_inline_comment(const std::string& value) {
  int depth = 0;
  for (std::size_t i = 0; i < value.size(); ++i) {
    char c = value[i];
    if (c == '{') ++depth;
    if (c == '}' && depth > 0) --depth;
    if ((c == ';' || c == '#') && depth == 0 && i > 0 && std::isspace(static_cast<unsigned char>(value[i - 1]))) {
      std::size_t end = i;
      while (end > 0 && std::isspace(static_cast<unsigned char>(value[end - 1]))) --end;
      return value.substr(0, end);
    }
  }
  return value;
}

std::int64_t parse_integer(const std::string& where, const std::string& key, const std::string& text,
                           std::int64_t minimum) {
  std::int64_t v = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc{} || end != text.data() + text.size() || text.empty())
    fail(where, key, "not a whole number: \"" + text + "\"");
  if (v < minimum) fail(where, key, "must be at least " + std::to_string(minimum) + ", got " + text);
  return v;
}

bool parse_bool(const std::string& where, const std::string& key, const std::string& text) {
  std::string t = boost::algorithm::to_lower_copy(text);
  if (t == "true" || t == "1" || t == "yes" || t == "on") return true;
  if (t == "false" || t == "0" || t == "no" || t == "off") return false;
  fail(where, key, "not a boolean (true/false): \"" + text + "\"");
}

void check_log_level(const std::string& where, const std::string& key, const std::string& level) {
  if (!detail::valid_log_level(level))
    fail(where, key, "unknown log level \"" + level + "\" (trace|debug|info|warn|error|off)");
}

// Section names as written, so that an empty "[shard.x]" (which the property tree drops)
// is still reported as a shard without a connection.
std::vector<std::string> section_names(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> names;
  std::string line;
  while (std::getline(in, line)) {
    auto first = line.find_first_not_of(" \t\r");
    if (first == std::string::npos || line[first] != '[') continue;
    auto close = line.find(']', first);
    if (close == std::string::npos) continue;
    std::string name = line.substr(first + 1, close - first - 1);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    names.push_back(name);
  }
  return names;
}

}  // namespace

Config Config::from_file(const std::string& path) {
  namespace pt = boost::property_tree;
  {
    std::ifstream probe(path);
    if (!probe) throw ConfigError(path + ": cannot open the configuration file");
  }
  pt::ptree tree;
  try {
    pt::read_ini(path, tree);
  } catch (const pt::ini_parser_error& e) {
    throw ConfigError(path + ":" + std::to_string(e.line()) + ": " + e.message());
  }

  const std::vector<std::string> sections = section_names(path);
  Config config;
  std::set<std::string> seen_shards;
  for (const auto& [section, body] : tree) {
    if (std::find(sections.begin(), sections.end(), section) == sections.end())
      fail(path, section, "key outside any section (put it under [grant])");
    if (section == "grant") {
      for (const auto& [key, node] : body) {
        const std::string where_key = "[grant] " + key;
        const std::string value = strip_inline_comment(node.data());
        if (key == "pool_size") {
          config.pool_size = static_cast<std::size_t>(parse_integer(path, where_key, value, 1));
        } else if (key == "checkout_timeout_ms") {
          config.checkout_timeout = std::chrono::milliseconds{parse_integer(path, where_key, value, 1)};
        } else if (key == "query_timeout_ms") {
          config.query_timeout = std::chrono::milliseconds{parse_integer(path, where_key, value, 0)};
        } else if (key == "connect_timeout_ms") {
          config.connect_timeout = std::chrono::milliseconds{parse_integer(path, where_key, value, 0)};
        } else if (key == "validate_idle_ms") {
          config.validate_idle = std::chrono::milliseconds{parse_integer(path, where_key, value, 0)};
        } else if (key == "idle_timeout_ms") {
          config.idle_timeout = std::chrono::milliseconds{parse_integer(path, where_key, value, 0)};
        } else if (key == "log_level") {
          check_log_level(path, where_key, value);
          config.log_level = value;
        } else if (key == "log_parameters") {
          config.log_parameters = parse_bool(path, where_key, value);
        } else {
          fail(path, where_key,
               "unknown key (known: pool_size, checkout_timeout_ms, query_timeout_ms, connect_timeout_ms, "
               "validate_idle_ms, idle_timeout_ms, log_level, log_parameters)");
        }
      }
    } else if (section.rfind("shard.", 0) == 0 && section.size() > 6) {
      ShardConfig shard;
      shard.name = section.substr(6);
      for (const auto& [key, node] : body) {
        const std::string where_key = "[" + section + "] " + key;
        const std::string value = strip_inline_comment(node.data());
        if (key == "connection") {
          shard.connection = value;
        } else if (key == "pool_size") {
          shard.pool_size = static_cast<std::size_t>(parse_integer(path, where_key, value, 1));
        } else if (key == "checkout_timeout_ms") {
          shard.checkout_timeout = std::chrono::milliseconds{parse_integer(path, where_key, value, 1)};
        } else {
          fail(path, where_key, "unknown key (known: connection, pool_size, checkout_timeout_ms)");
        }
      }
      if (shard.connection.empty()) fail(path, "[" + section + "] connection", "missing or empty");
      seen_shards.insert(section);
      config.shards.push_back(std::move(shard));
    } else {
      fail(path, "[" + section + "]", "unknown section (known: [grant], [shard.NAME])");
    }
  }
  for (const auto& name : sections) {
    if (name.rfind("shard.", 0) == 0 && !seen_shards.count(name))
      fail(path, "[" + name + "] connection", "missing or empty");
    if (name != "grant" && name.rfind("shard.", 0) != 0)
      fail(path, "[" + name + "]", "unknown section (known: [grant], [shard.NAME])");
  }
  return config;
}

Config Config::from_env() {
  const char* path = std::getenv("GRANT_CONFIG");
  Config config = (path && *path) ? from_file(path) : Config{};
  config.apply_env();
  return config;
}

Config& Config::apply_env() {
  static const std::string prefix = "GRANT_SHARD_";
  for (char** env = environ; env && *env; ++env) {
    std::string entry = *env;
    if (entry.rfind(prefix, 0) != 0) continue;
    auto eq = entry.find('=');
    if (eq == std::string::npos) continue;
    std::string var = entry.substr(0, eq);
    std::string name = boost::algorithm::to_lower_copy(var.substr(prefix.size()));
    std::string connection = entry.substr(eq + 1);
    if (name.empty()) fail("environment", var, "no shard name after GRANT_SHARD_");
    if (connection.empty()) fail("environment", var, "empty connection string");
    ShardConfig* existing = nullptr;
    for (auto& s : shards)
      if (s.name == name) existing = &s;
    if (existing) {
      existing->connection = connection;  // keep the file's per-shard pool settings
    } else {
      shards.push_back(ShardConfig{name, connection, std::nullopt, std::nullopt});
    }
  }
  if (const char* level = std::getenv("GRANT_LOG_LEVEL"); level && *level) {
    check_log_level("environment", "GRANT_LOG_LEVEL", level);
    log_level = level;
  }
  return *this;
}

Config& Config::add_shard(std::string name, std::string connection, std::optional<std::size_t> pool_size,
                          std::optional<std::chrono::milliseconds> checkout_timeout) {
  if (name.empty()) fail("code", "add_shard", "empty shard name");
  if (connection.empty()) fail("code", "add_shard(\"" + name + "\") connection", "empty connection string");
  if (pool_size && *pool_size == 0) fail("code", "add_shard(\"" + name + "\") pool_size", "must be at least 1");
  if (checkout_timeout && checkout_timeout->count() <= 0)
    fail("code", "add_shard(\"" + name + "\") checkout_timeout", "must be positive");
  ShardConfig shard{std::move(name), std::move(connection), pool_size, checkout_timeout};
  for (auto& s : shards) {
    if (s.name == shard.name) {
      s = std::move(shard);
      return *this;
    }
  }
  shards.push_back(std::move(shard));
  return *this;
}

const ShardConfig* Config::find_shard(const std::string& name) const {
  for (const auto& s : shards)
    if (s.name == name) return &s;
  return nullptr;
}

}  // namespace grant
