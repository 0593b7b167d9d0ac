// The test fixture itself (tests/support/backend.hpp): what every other suite relies on.
#define BOOST_TEST_MODULE test_backend
#include <boost/test/unit_test.hpp>

#include "tests/support/backend.hpp"
#include "tests/support/skip.hpp"

#include <cstdlib>
#include <filesystem>
#include <string>

BOOST_AUTO_TEST_CASE(backend_names_four_shards) {
  const auto& b = grant::test::backend();
  BOOST_TEST_MESSAGE("backend " << b.name);
  BOOST_CHECK(b.name == "sqlite" || b.name == "postgresql" || b.name == "mariadb");
  BOOST_REQUIRE_EQUAL(b.shards.size(), 4u);
  for (const auto& s : b.shards) BOOST_CHECK(!s.empty());
  BOOST_CHECK_EQUAL(&b, &grant::test::backend());  // chosen once
  const char* wanted = std::getenv("GRANT_TEST_BACKEND");
  if (wanted && *wanted) BOOST_CHECK_EQUAL(b.name, wanted);
}

BOOST_AUTO_TEST_CASE(flags_follow_the_backend) {
  const auto& b = grant::test::backend();
  BOOST_CHECK_EQUAL(b.server, b.name != "sqlite");
  BOOST_CHECK_EQUAL(b.exact_decimal, b.name != "sqlite");
  BOOST_CHECK_EQUAL(b.honours_query_timeout, b.name == "postgresql");
  BOOST_CHECK_EQUAL(b.honours_login_timeout, b.server);
  BOOST_CHECK_EQUAL(b.sleep_sql(0.5).empty(), !b.server);
}

BOOST_AUTO_TEST_CASE(sqlite_files_live_in_an_existing_directory, *grant::test::only_on("sqlite")) {
  const auto& b = grant::test::backend();
  for (const auto& s : b.shards) {
    auto at = s.find("Database=");
    BOOST_REQUIRE(at != std::string::npos);
    std::filesystem::path file = s.substr(at + 9, s.find(';', at) - at - 9);
    BOOST_CHECK(std::filesystem::is_directory(file.parent_path()));
  }
}

BOOST_AUTO_TEST_CASE(config_has_the_four_named_shards) {
  auto config = grant::test::config(3, std::chrono::milliseconds{1234});
  BOOST_CHECK_EQUAL(config.pool_size, 3u);
  BOOST_CHECK_EQUAL(config.checkout_timeout.count(), 1234);
  BOOST_REQUIRE_EQUAL(config.shards.size(), 4u);
  const char* names[] = {"primary", "shard_1", "shard_2", "shard_3"};
  for (int i = 0; i < 4; ++i) {
    BOOST_CHECK_EQUAL(config.shards[i].name, names[i]);
    BOOST_CHECK_EQUAL(config.shards[i].connection, grant::test::backend().shards[i]);
  }
}
