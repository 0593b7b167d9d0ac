// Pool health: per-shard state in PoolStats, idle validation and expiry, and a broken
// connection closed and replaced so that the pool keeps serving.
#define BOOST_TEST_MODULE test_pool_health
#include <boost/test/unit_test.hpp>

#include <grant/errors.hpp>
#include <grant/fiber.hpp>
#include <grant/runtime.hpp>

#include "tests/runtime_helpers.hpp"
#include "tests/support/backend.hpp"
#include "tests/support/connection_holder.hpp"

#include <atomic>
#include <chrono>
#include <thread>

using namespace std::chrono_literals;
using grant::test::backend;

namespace {
bool has_server() { return backend().server; }

std::int64_t server_id(const grant::Shard& shard) {
  return shard.query(rt_test::connection_id_sql()).rows.at(0).at(0).as<std::int64_t>();
}
}  // namespace

BOOST_AUTO_TEST_CASE(stats_show_open_idle_busy_and_waiting) {
  grant::Runtime runtime{grant::test::config(1, 2000ms)};
  grant::Shard shard = runtime.shard("primary");
  auto s = shard.pool_stats();
  BOOST_CHECK_EQUAL(s.open, 0u);
  shard.query("SELECT 1");
  s = shard.pool_stats();
  BOOST_CHECK_EQUAL(s.open, 1u);
  BOOST_CHECK_EQUAL(s.idle, 1u);
  BOOST_CHECK_EQUAL(s.busy, 0u);
  BOOST_CHECK_EQUAL(s.failures_in_row, 0u);

  grant::test::ConnectionHolder holder{shard};
  std::atomic<bool> waiter_ok{false};
  std::thread waiter([&] {
    try {
      waiter_ok = shard.query("SELECT 1").size() == 1;
    } catch (const std::exception& e) {
      BOOST_TEST_MESSAGE("waiter: " << e.what());
    }
  });
  auto until = std::chrono::steady_clock::now() + 2s;
  while (shard.pool_stats().waiting == 0 && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  s = shard.pool_stats();
  BOOST_CHECK_EQUAL(s.busy, 1u);
  BOOST_CHECK_EQUAL(s.idle, 0u);
  BOOST_CHECK_EQUAL(s.waiting, 1u);
  holder.release();
  waiter.join();
  BOOST_CHECK(waiter_ok.load());
  BOOST_CHECK_EQUAL(shard.pool_stats().waiting, 0u);
}

BOOST_AUTO_TEST_CASE(failed_connects_count_in_a_row_and_keep_the_last_error) {
  grant::Config config = grant::test::config();
  config.add_shard("nowhere", "Driver={No Such Driver Grant};Server=127.0.0.1;PWD=hunter2secret");
  grant::Runtime runtime{config};
  grant::Shard shard = runtime.shard("nowhere");
  for (int i = 0; i < 3; ++i) BOOST_CHECK_THROW(shard.query("SELECT 1"), grant::Error);
  auto s = shard.pool_stats();
  BOOST_CHECK_EQUAL(s.failures_in_row, 3u);
  BOOST_CHECK(!s.last_error.empty());
  BOOST_CHECK(s.last_error.find("hunter2secret") == std::string::npos);
  BOOST_CHECK_EQUAL(s.open, 0u);
}

BOOST_AUTO_TEST_CASE(an_idle_connection_past_idle_timeout_is_closed, *boost::unit_test::precondition([](auto) {
                       return has_server();
                     })) {
  grant::Config config = grant::test::config(1, 2000ms);
  config.idle_timeout = 50ms;
  grant::Runtime runtime{config};
  grant::Shard shard = runtime.shard("primary");
  auto first = server_id(shard);
  std::this_thread::sleep_for(150ms);
  auto second = server_id(shard);
  BOOST_CHECK_NE(first, second);  // a new connection: the old one expired while idle
  BOOST_CHECK_LE(shard.pool_stats().open, 1u);
}

BOOST_AUTO_TEST_CASE(an_idle_connection_is_validated_and_replaced_when_dead, *boost::unit_test::precondition([](auto) {
                       return has_server();
                     })) {
  grant::Config config = grant::test::config(1, 2000ms);
  config.validate_idle = 20ms;
  grant::Runtime runtime{config};
  grant::Shard shard = runtime.shard("primary");
  grant::Shard other = runtime.shard("shard_1");
  auto first = server_id(shard);
  other.query(rt_test::kill_sql(first));
  std::this_thread::sleep_for(100ms);
  std::uint64_t statements = runtime.metrics().statements;
  // Without validation the first query after the kill fails; with it, it succeeds on a
  // fresh connection, and the health check is not counted as a statement.
  std::int64_t second = 0;
  BOOST_REQUIRE_NO_THROW(second = server_id(shard));
  BOOST_CHECK_NE(first, second);
  BOOST_CHECK_EQUAL(runtime.metrics().statements - statements, 1u);
}

BOOST_AUTO_TEST_CASE(a_broken_connection_is_replaced_and_the_pool_keeps_serving, *boost::unit_test::precondition([](auto) {
                       return has_server();
                     })) {
  grant::Runtime runtime{grant::test::config(1, 2000ms)};
  grant::Shard shard = runtime.shard("primary");
  grant::Shard other = runtime.shard("shard_1");
  auto first = server_id(shard);
  other.query(rt_test::kill_sql(first));
  try {
    shard.query("SELECT 1");  // may fail: the handle learns of the kill only now
  } catch (const grant::Error& e) {
    BOOST_TEST_MESSAGE("first query after the kill: " << e.what());
  }
  std::int64_t second = 0;
  BOOST_REQUIRE_NO_THROW(second = server_id(shard));
  BOOST_CHECK_NE(first, second);
  auto s = shard.pool_stats();
  BOOST_CHECK_LE(s.open, 1u);
  BOOST_CHECK_EQUAL(s.failures_in_row, 0u);  // the last use succeeded
  if (s.replaced > 0) BOOST_CHECK(!s.last_error.empty());
}
