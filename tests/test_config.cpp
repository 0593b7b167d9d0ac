// grant::Config from INI files, the environment and code; runtime-level config errors.
#define BOOST_TEST_MODULE test_config
#include <boost/test/unit_test.hpp>

#include <grant/config.hpp>
#include <grant/errors.hpp>
#include <grant/runtime.hpp>

#include "tests/support/backend.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

namespace {

// A temporary INI file, removed at the end of the test.
struct IniFile {
  std::filesystem::path path;
  explicit IniFile(const std::string& text) {
    static int counter = 0;
    path = std::filesystem::temp_directory_path() /
           ("grant_config_" + std::to_string(::getpid()) + "_" + std::to_string(counter++) + ".ini");
    std::ofstream(path) << text;
  }
  ~IniFile() { std::filesystem::remove(path); }
  std::string str() const { return path.string(); }
};

// Runs `f`, expects a ConfigError whose message contains every one of `parts`.
template <class F>
void expect_config_error(F f, std::initializer_list<std::string> parts) {
  try {
    f();
    BOOST_ERROR("no ConfigError thrown");
  } catch (const grant::ConfigError& e) {
    std::string message = e.what();
    for (const auto& part : parts) BOOST_CHECK_MESSAGE(message.find(part) != std::string::npos,
                                                       "\"" << message << "\" lacks \"" << part << "\"");
  }
}

// Sets an environment variable for the test's lifetime, restoring the old value after.
struct EnvVar {
  std::string name;
  std::optional<std::string> old;
  EnvVar(std::string n, const std::string& value) : name(std::move(n)) {
    if (const char* v = std::getenv(name.c_str())) old = v;
    ::setenv(name.c_str(), value.c_str(), 1);
  }
  ~EnvVar() {
    if (old)
      ::setenv(name.c_str(), old->c_str(), 1);
    else
      ::unsetenv(name.c_str());
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(ini)

BOOST_AUTO_TEST_CASE(reads_every_key_with_inline_comments) {
  IniFile file(R"(; a comment line
[grant]
pool_size = 3              ; connections per shard
checkout_timeout_ms = 250
query_timeout_ms = 1500
connect_timeout_ms = 2500
validate_idle_ms = 700
idle_timeout_ms = 0        ; never
log_level = debug          # trace|debug|...
log_parameters = true

[shard.primary]
connection = Driver=SQLite3;Database=/tmp/x.db
[shard.shard_1]
connection = Driver={PostgreSQL Unicode};Server=127.0.0.1;ConnSettings={SET TIME ZONE 'UTC'} ; comment
pool_size = 16
checkout_timeout_ms = 42
)");
  grant::Config c = grant::Config::from_file(file.str());
  BOOST_CHECK_EQUAL(c.pool_size, 3u);
  BOOST_CHECK_EQUAL(c.checkout_timeout.count(), 250);
  BOOST_CHECK_EQUAL(c.query_timeout.count(), 1500);
  BOOST_CHECK_EQUAL(c.connect_timeout.count(), 2500);
  BOOST_CHECK_EQUAL(c.validate_idle.count(), 700);
  BOOST_CHECK_EQUAL(c.idle_timeout.count(), 0);
  BOOST_CHECK_EQUAL(c.log_level, "debug");
  BOOST_CHECK(c.log_parameters);
  BOOST_REQUIRE_EQUAL(c.shards.size(), 2u);
  const grant::ShardConfig* primary = c.find_shard("primary");
  BOOST_REQUIRE(primary);
  BOOST_CHECK_EQUAL(primary->connection, "Driver=SQLite3;Database=/tmp/x.db");
  BOOST_CHECK(!primary->pool_size);
  BOOST_CHECK(!primary->checkout_timeout);
  const grant::ShardConfig* s1 = c.find_shard("shard_1");
  BOOST_REQUIRE(s1);
  BOOST_CHECK_EQUAL(s1->connection, "Driver={PostgreSQL Unicode};Server=127.0.0.1;ConnSettings={SET TIME ZONE 'UTC'}");
  BOOST_CHECK_EQUAL(*s1->pool_size, 16u);
  BOOST_CHECK_EQUAL(s1->checkout_timeout->count(), 42);
  BOOST_CHECK(c.find_shard("shard_2") == nullptr);
}

BOOST_AUTO_TEST_CASE(defaults_when_grant_section_is_absent) {
  IniFile file("[shard.primary]\nconnection = DSN=x\n");
  grant::Config c = grant::Config::from_file(file.str());
  BOOST_CHECK_EQUAL(c.pool_size, 8u);
  BOOST_CHECK_EQUAL(c.checkout_timeout.count(), 5000);
  BOOST_CHECK_EQUAL(c.validate_idle.count(), 30000);
  BOOST_CHECK_EQUAL(c.idle_timeout.count(), 600000);
  BOOST_CHECK_EQUAL(c.log_level, "warn");
  BOOST_CHECK(!c.log_parameters);
}

BOOST_AUTO_TEST_CASE(missing_file) {
  expect_config_error([] { grant::Config::from_file("/nonexistent/grant.ini"); }, {"/nonexistent/grant.ini"});
}

BOOST_AUTO_TEST_CASE(malformed_ini) {
  IniFile no_equals("[grant]\npool_size 8\n");
  expect_config_error([&] { grant::Config::from_file(no_equals.str()); }, {no_equals.str(), ":2"});
  IniFile open_bracket("[grant\npool_size = 8\n");
  expect_config_error([&] { grant::Config::from_file(open_bracket.str()); }, {open_bracket.str()});
  IniFile duplicate("[grant]\npool_size = 8\npool_size = 9\n");
  expect_config_error([&] { grant::Config::from_file(duplicate.str()); }, {duplicate.str()});
}

BOOST_AUTO_TEST_CASE(unknown_key_names_file_and_key) {
  IniFile file("[grant]\npool_sise = 8\n[shard.primary]\nconnection = DSN=x\n");
  expect_config_error([&] { grant::Config::from_file(file.str()); }, {file.str(), "pool_sise", "unknown key"});
  IniFile in_shard("[shard.primary]\nconnection = DSN=x\nconection = y\n");
  expect_config_error([&] { grant::Config::from_file(in_shard.str()); }, {in_shard.str(), "[shard.primary] conection"});
}

BOOST_AUTO_TEST_CASE(unknown_section_and_key_outside_sections) {
  IniFile file("[grnat]\npool_size = 8\n");
  expect_config_error([&] { grant::Config::from_file(file.str()); }, {file.str(), "[grnat]", "unknown section"});
  IniFile top("pool_size = 8\n[grant]\nlog_level = info\n");
  expect_config_error([&] { grant::Config::from_file(top.str()); }, {top.str(), "pool_size", "outside"});
}

BOOST_AUTO_TEST_CASE(bad_numbers) {
  IniFile zero("[grant]\npool_size = 0\n");
  expect_config_error([&] { grant::Config::from_file(zero.str()); }, {zero.str(), "pool_size", "at least 1"});
  IniFile word("[grant]\npool_size = many\n");
  expect_config_error([&] { grant::Config::from_file(word.str()); }, {word.str(), "pool_size", "many"});
  IniFile trailing("[grant]\ncheckout_timeout_ms = 100ms\n");
  expect_config_error([&] { grant::Config::from_file(trailing.str()); }, {trailing.str(), "checkout_timeout_ms"});
  IniFile shard_zero("[shard.primary]\nconnection = DSN=x\npool_size = 0\n");
  expect_config_error([&] { grant::Config::from_file(shard_zero.str()); }, {shard_zero.str(), "[shard.primary] pool_size"});
  IniFile level("[grant]\nlog_level = loud\n");
  expect_config_error([&] { grant::Config::from_file(level.str()); }, {level.str(), "log_level", "loud"});
  IniFile flag("[grant]\nlog_parameters = maybe\n");
  expect_config_error([&] { grant::Config::from_file(flag.str()); }, {flag.str(), "log_parameters"});
}

BOOST_AUTO_TEST_CASE(shard_without_connection) {
  IniFile no_key("[shard.orders]\npool_size = 2\n");
  expect_config_error([&] { grant::Config::from_file(no_key.str()); }, {no_key.str(), "[shard.orders] connection"});
  IniFile empty_section("[grant]\npool_size = 2\n[shard.orders]\n");
  expect_config_error([&] { grant::Config::from_file(empty_section.str()); },
                      {empty_section.str(), "[shard.orders] connection"});
  IniFile empty_value("[shard.orders]\nconnection =\n");
  expect_config_error([&] { grant::Config::from_file(empty_value.str()); }, {empty_value.str(), "connection"});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(environment)

BOOST_AUTO_TEST_CASE(grant_config_file_then_shard_and_log_level_overrides) {
  IniFile file("[grant]\npool_size = 5\n[shard.primary]\nconnection = DSN=from_file\npool_size = 2\n");
  EnvVar config("GRANT_CONFIG", file.str());
  EnvVar primary("GRANT_SHARD_PRIMARY", "DSN=from_env");
  EnvVar extra("GRANT_SHARD_REPORTING_EU", "Driver=SQLite3;Database=/tmp/r.db");
  EnvVar level("GRANT_LOG_LEVEL", "error");
  grant::Config c = grant::Config::from_env();
  BOOST_CHECK_EQUAL(c.pool_size, 5u);
  BOOST_CHECK_EQUAL(c.log_level, "error");
  const grant::ShardConfig* p = c.find_shard("primary");
  BOOST_REQUIRE(p);
  BOOST_CHECK_EQUAL(p->connection, "DSN=from_env");
  BOOST_CHECK_EQUAL(p->pool_size.value_or(0), 2u);  // the file's per-shard settings stay
  const grant::ShardConfig* r = c.find_shard("reporting_eu");  // name lower-cased
  BOOST_REQUIRE(r);
  BOOST_CHECK_EQUAL(r->connection, "Driver=SQLite3;Database=/tmp/r.db");
  BOOST_CHECK(c.find_shard("REPORTING_EU") == nullptr);
}

BOOST_AUTO_TEST_CASE(defaults_without_grant_config) {
  EnvVar config("GRANT_CONFIG", "");
  EnvVar extra("GRANT_SHARD_ONLY_ENV", "DSN=x");
  grant::Config c = grant::Config::from_env();
  BOOST_CHECK_EQUAL(c.pool_size, 8u);
  BOOST_REQUIRE(c.find_shard("only_env"));
}

BOOST_AUTO_TEST_CASE(bad_environment_values) {
  {
    EnvVar level("GRANT_LOG_LEVEL", "loud");
    expect_config_error([] { grant::Config{}.apply_env(); }, {"environment", "GRANT_LOG_LEVEL", "loud"});
  }
  {
    EnvVar empty("GRANT_SHARD_BROKEN", "");
    expect_config_error([] { grant::Config{}.apply_env(); }, {"environment", "GRANT_SHARD_BROKEN"});
  }
  {
    EnvVar missing("GRANT_CONFIG", "/nonexistent/from_env.ini");
    expect_config_error([] { grant::Config::from_env(); }, {"/nonexistent/from_env.ini"});
  }
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(code)

BOOST_AUTO_TEST_CASE(add_shard_replaces_and_validates) {
  grant::Config c;
  c.add_shard("primary", "DSN=a").add_shard("primary", "DSN=b", 3);
  BOOST_REQUIRE_EQUAL(c.shards.size(), 1u);
  BOOST_CHECK_EQUAL(c.shards[0].connection, "DSN=b");
  BOOST_CHECK_EQUAL(*c.shards[0].pool_size, 3u);
  expect_config_error([&] { c.add_shard("", "DSN=a"); }, {"name"});
  expect_config_error([&] { c.add_shard("x", ""); }, {"\"x\"", "connection"});
  expect_config_error([&] { c.add_shard("x", "DSN=a", 0); }, {"\"x\"", "pool_size"});
}

BOOST_AUTO_TEST_CASE(runtime_rejects_a_bad_config) {
  grant::Config c = grant::test::config();
  c.pool_size = 0;
  expect_config_error([&] { grant::Runtime r{c}; }, {"pool_size"});
  grant::Config d = grant::test::config();
  d.shards.push_back(d.shards.front());
  expect_config_error([&] { grant::Runtime r{d}; }, {"primary", "twice"});
  grant::Config e = grant::test::config();
  e.log_level = "chatty";
  expect_config_error([&] { grant::Runtime r{e}; }, {"log_level", "chatty"});
  BOOST_CHECK(!grant::Runtime::exists());
}

BOOST_AUTO_TEST_CASE(unknown_shard_lists_known_shards) {
  grant::Runtime runtime{grant::test::config()};
  BOOST_CHECK(grant::Runtime::exists());
  BOOST_CHECK_EQUAL(&grant::Runtime::current(), &runtime);
  try {
    runtime.shard("shard_9");
    BOOST_ERROR("no UnknownShard");
  } catch (const grant::UnknownShard& e) {
    std::string m = e.what();
    BOOST_CHECK_EQUAL(e.shard(), "shard_9");
    for (const char* known : {"primary", "shard_1", "shard_2", "shard_3"}) BOOST_CHECK(m.find(known) != std::string::npos);
  }
  // Through the async path: never throws at the call site, fails at await().
  auto result = grant::Shard::run_on("nowhere", [](grant::Connection&) { return 1; });
  BOOST_CHECK(result.completed());
  BOOST_CHECK_THROW(result.await(), grant::UnknownShard);
  BOOST_CHECK_EQUAL(runtime.metrics().ops_failed, 1u);
  // One runtime per process.
  BOOST_CHECK_THROW(grant::Runtime{grant::test::config()}, grant::Error);
  BOOST_CHECK_EQUAL(&grant::Runtime::current(), &runtime);
}

BOOST_AUTO_TEST_CASE(no_runtime) {
  BOOST_CHECK(!grant::Runtime::exists());
  BOOST_CHECK_THROW(grant::Runtime::current(), grant::Error);
  auto result = grant::Shard::run_on("primary", [](grant::Connection&) { return 1; });
  BOOST_CHECK_THROW(result.await(), grant::Error);
}

BOOST_AUTO_TEST_SUITE_END()
