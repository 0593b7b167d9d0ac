// The test backend from the environment (contract and variables: backend.hpp).
#include "tests/support/backend.hpp"

#include <grant/errors.hpp>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <mutex>
#include <string>
#include <system_error>

namespace grant::test {
namespace {

const char* const kShardNames[] = {"primary", "shard_1", "shard_2", "shard_3"};
const char* const kShardVariables[] = {"GRANT_SHARD_PRIMARY", "GRANT_SHARD_SHARD_1", "GRANT_SHARD_SHARD_2",
                                       "GRANT_SHARD_SHARD_3"};

std::string env(const char* name) {
  const char* value = std::getenv(name);
  return value ? value : "";
}

// The temporary directory of the SQLite files made when no shard variables are set;
// removed at exit so hand runs leave nothing behind.
std::filesystem::path g_temp_dir;
void remove_temp_dir() {
  std::error_code ignored;
  if (!g_temp_dir.empty()) std::filesystem::remove_all(g_temp_dir, ignored);
}

std::vector<std::string> fresh_sqlite_shards() {
  std::string pattern = (std::filesystem::temp_directory_path() / "grant-test-XXXXXX").string();
  if (!mkdtemp(pattern.data()))
    throw grant::ConfigError("tests: cannot create a temporary directory from " + pattern);
  g_temp_dir = pattern;
  std::atexit(remove_temp_dir);
  std::vector<std::string> shards;
  for (const char* name : kShardNames)
    shards.push_back("Driver=SQLite3;Database=" + (g_temp_dir / (std::string(name) + ".db")).string());
  return shards;
}

Backend make_backend() {
  Backend b;
  b.name = env("GRANT_TEST_BACKEND");
  if (b.name.empty()) b.name = "sqlite";
  if (b.name == "sqlite") {
    // REAL storage, no query timeout support, no server.
    b.syntax_error_sqlstate = "HY000";
  } else if (b.name == "postgresql") {
    b.exact_decimal = true;
    b.exact_double = true;
    b.keeps_negative_zero = true;
    b.syntax_error_sqlstate = "42601";
    b.honours_query_timeout = true;
    b.honours_login_timeout = true;
    b.server = true;
  } else if (b.name == "mariadb") {
    b.exact_decimal = true;
    b.exact_double = true;
    b.syntax_error_sqlstate = "42000";
    b.honours_login_timeout = true;
    b.server = true;
  } else {
    throw grant::ConfigError("environment: GRANT_TEST_BACKEND=" + b.name + " (expected sqlite, postgresql or mariadb)");
  }

  std::size_t set = 0;
  for (const char* variable : kShardVariables) set += env(variable).empty() ? 0 : 1;
  if (set == 0 && b.name == "sqlite") {
    b.shards = fresh_sqlite_shards();
    return b;
  }
  for (const char* variable : kShardVariables) {
    std::string connection = env(variable);
    if (connection.empty())
      throw grant::ConfigError("environment: " + std::string(variable) + " is not set (backend " + b.name +
                               " needs GRANT_SHARD_PRIMARY and GRANT_SHARD_SHARD_1..3; tools/test sets them)");
    b.shards.push_back(std::move(connection));
  }
  return b;
}

}  // namespace

std::string Backend::sleep_sql(double seconds) const {
  if (name == "postgresql") return "SELECT pg_sleep(" + std::to_string(seconds) + ")";
  if (name == "mariadb") return "SELECT SLEEP(" + std::to_string(seconds) + ")";
  return "";
}

const Backend& backend() {
  // Not a function-local static: a failed first attempt must be retried, and after the
  // first success the same object is returned forever.
  static std::mutex mutex;
  static std::unique_ptr<Backend> chosen;
  std::lock_guard lock(mutex);
  if (!chosen) chosen = std::make_unique<Backend>(make_backend());
  return *chosen;
}

grant::Config config(std::size_t pool_size, std::chrono::milliseconds checkout_timeout) {
  const Backend& b = backend();
  grant::Config c;
  c.pool_size = pool_size;
  c.checkout_timeout = checkout_timeout;
  c.log_level = env("GRANT_LOG_LEVEL").empty() ? "warn" : env("GRANT_LOG_LEVEL");
  // The sanitizer run (instrumented, unoptimised) is many times slower than a normal build:
  // tools/test --sanitize widens the statement deadline so that slowness is not a timeout.
  if (std::string t = env("GRANT_TEST_QUERY_TIMEOUT_MS"); !t.empty()) c.query_timeout = std::chrono::milliseconds{std::stoll(t)};
  for (std::size_t i = 0; i < b.shards.size(); ++i) c.shards.push_back(grant::ShardConfig{kShardNames[i], b.shards[i], {}, {}});
  return c;
}

}  // namespace grant::test
