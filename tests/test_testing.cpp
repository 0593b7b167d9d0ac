// grant/testing.hpp: GRANT_FIBER_TEST_CASE runs the body in a fiber with the module's runtime.
#define BOOST_TEST_MODULE test_testing
#include <grant/testing.hpp>

#include <grant/fiber.hpp>

#include <boost/fiber/operations.hpp>

#include <chrono>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>

using namespace std::chrono_literals;

namespace {
boost::fibers::fiber::id test_thread_fiber;
grant::Runtime* first_runtime = nullptr;
bool env_has_shards() {
  const char* primary = std::getenv("GRANT_SHARD_PRIMARY");
  return primary && *primary;
}
}  // namespace

// Declared first, so it runs first (Boost.Test keeps declaration order): no runtime yet.
BOOST_AUTO_TEST_CASE(plain_case_runs_on_the_test_threads_own_fiber) {
  test_thread_fiber = boost::this_fiber::get_id();
  BOOST_CHECK(!grant::Runtime::exists());
}

GRANT_FIBER_TEST_CASE(body_runs_in_another_fiber_with_a_runtime) {
  BOOST_CHECK(boost::this_fiber::get_id() != test_thread_fiber);
  BOOST_REQUIRE(grant::Runtime::exists());
  first_runtime = &grant::Runtime::current();
  BOOST_CHECK_EQUAL(&grant::testing::runtime(), first_runtime);
}

GRANT_FIBER_TEST_CASE(the_runtime_is_shared_by_the_module) {
  BOOST_CHECK_EQUAL(&grant::Runtime::current(), first_runtime);
}

GRANT_FIBER_TEST_CASE(runtime_has_the_shards_of_the_environment) {
  auto names = grant::Runtime::current().shard_names();
  if (!env_has_shards()) {
    BOOST_CHECK(names.empty());
    return;
  }
  for (const char* shard : {"primary", "shard_1", "shard_2", "shard_3"})
    BOOST_CHECK_MESSAGE(std::find(names.begin(), names.end(), shard) != names.end(), "missing shard " << shard);
  // A real round trip through the module's runtime, awaited from this fiber.
  auto rows = grant::Runtime::current().shard("primary").async_query("SELECT 41 + 1 AS answer").await();
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_CHECK_EQUAL(rows.at(0, "answer").as<std::int64_t>(), 42);
}

GRANT_FIBER_TEST_CASE(body_may_suspend_and_spawn) {
  grant::fiber::Channel<int> channel{1};
  auto producer = grant::fiber::spawn([&] {
    grant::fiber::sleep(2ms);
    channel.send(5);
  });
  BOOST_CHECK_EQUAL(channel.receive().value_or(0), 5);
  producer.join();
}

GRANT_FIBER_TEST_CASE(decorators_follow_the_name, *boost::unit_test::description("a decorated fiber case")) {
  BOOST_CHECK_EQUAL(boost::unit_test::framework::current_test_case().p_description.get(), "a decorated fiber case");
  BOOST_CHECK(boost::this_fiber::get_id() != test_thread_fiber);
}

BOOST_AUTO_TEST_CASE(run_in_fiber_rethrows_what_escapes_the_body) {
  bool ran = false;
  grant::testing::run_in_fiber([&] { ran = boost::this_fiber::get_id() != test_thread_fiber; });
  BOOST_CHECK(ran);
  BOOST_CHECK_THROW(grant::testing::run_in_fiber([] { throw std::invalid_argument("x"); }), std::invalid_argument);
}
