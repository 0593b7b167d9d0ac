// A Boost.Test module of a consumer: GRANT_FIBER_TEST_CASE on the temporary SQLite shards
// grant/testing.hpp makes when the environment names none.
#define BOOST_TEST_MODULE consumer_tests
#include <grant/grant.hpp>
#include <grant/testing.hpp>

BOOST_AUTO_TEST_CASE(headers_and_library_agree) { BOOST_TEST(std::string(grant::version()) == GRANT_VERSION_STRING); }

GRANT_FIBER_TEST_CASE(a_query_from_a_fiber) {
  auto rows = grant::Runtime::current().shard("primary").async_query("SELECT 2 + 3 AS five").await();
  BOOST_TEST(rows.at(0, "five").as<std::int64_t>() == 5);
}
