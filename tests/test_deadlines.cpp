// Statement deadlines: past query_timeout (or a per-statement / per-query limit) the caller
// gets QueryTimeout within the deadline plus a small margin, on every driver, also when the
// server process is stopped (SIGSTOP) and never answers; the shard serves the next query.
// The stopped-server cases need a server process this test may signal (tests run as root
// against servers that tools/test started); on SQLite they are skipped.
#define BOOST_TEST_MODULE test_deadlines
#include <boost/test/unit_test.hpp>

#include "tests/support/driver_fixture.hpp"

#include <grant/grant.hpp>

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <memory>

using namespace std::chrono_literals;
using grant::test::backend;

namespace {

using Clock = std::chrono::steady_clock;

/// A statement that runs for seconds on the backend.
std::string long_sql() {
  if (backend().name == "sqlite")
    return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 2000000000) SELECT count(*) FROM c";
  return backend().sleep_sql(10);
}

/// A WHERE fragment (raw SQL) that makes a one-row query run for seconds.
std::string slow_condition() {
  if (backend().name == "postgresql") return "pg_sleep(10) IS NOT NULL";
  if (backend().name == "mariadb") return "SLEEP(10) = 0";
  return "(" + long_sql() + ") > 0";
}

boost::test_tools::assertion_result stoppable_server(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(backend().server && geteuid() == 0);
  r.message() << "needs a server process to stop (backend " << backend().name << ", running as root)";
  return r;
}

/// SIGSTOP now, SIGCONT at resume() or on scope exit (also when a check fails).
class Stopped {
 public:
  explicit Stopped(pid_t pid) : pid_(pid) {
    BOOST_REQUIRE_GT(pid_, 0);
    BOOST_REQUIRE_EQUAL(kill(pid_, SIGSTOP), 0);
  }
  ~Stopped() { resume(); }
  void resume() {
    if (pid_ > 0) kill(pid_, SIGCONT);
    pid_ = 0;
  }
  Stopped(const Stopped&) = delete;
  Stopped& operator=(const Stopped&) = delete;

 private:
  pid_t pid_;
};

/// The process to stop so that statements on `c` get no answer: PostgreSQL's backend of this
/// connection, MariaDB's whole server.
pid_t server_process(grant::Connection& c) {
  if (backend().name == "postgresql")
    return static_cast<pid_t>(c.query({"SELECT pg_backend_pid()", {}}).rows.at(0).at(0).as<std::int64_t>());
  std::ifstream file(c.query({"SELECT @@pid_file", {}}).rows.at(0).at(0).as<std::string>());
  pid_t pid = 0;
  file >> pid;
  return pid;
}

double seconds_since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

/// Runs `fn`, which must throw QueryTimeout; checks the message and that it came in time.
template <class F>
void expect_timeout(F fn, double deadline_s, const std::string& sql_part) {
  const auto start = Clock::now();
  try {
    fn();
    BOOST_ERROR("no QueryTimeout");
  } catch (const grant::QueryTimeout& e) {
    const std::string what = e.what();
    BOOST_TEST_MESSAGE("QueryTimeout after " << seconds_since(start) << " s: " << what);
    BOOST_CHECK_MESSAGE(what.find("primary") != std::string::npos, what);
    BOOST_CHECK_MESSAGE(what.find(sql_part) != std::string::npos, what);
  }
  const double took = seconds_since(start);
  BOOST_CHECK_GE(took, deadline_s * 0.9);
  BOOST_CHECK_LE(took, deadline_s + 1.5);  // the cancel grace (0.2 s) plus scheduling
}

grant::Config one_connection(std::chrono::milliseconds query_timeout) {
  grant::Config config = grant::test::config(1);
  config.query_timeout = query_timeout;
  return config;
}

struct Item : grant::Model<Item> {
  std::optional<std::int64_t> id;
  std::string name;
  static auto schema() { return grant::Schema<Item>("deadline_items").primary_key().columns("name", &Item::name); }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(deadlines)

BOOST_AUTO_TEST_CASE(a_long_statement_is_cancelled_at_its_deadline_and_the_connection_stays_usable) {
  grant::test::Utf8Locale locale;
  grant::driver::ConnectOptions options;
  options.query_timeout = 1s;
  auto c = grant::test::open_primary(options);
  expect_timeout([&] { c->query({long_sql(), {}}); }, 1.0, long_sql().substr(0, 20));
  // The driver ended the statement on SQLCancel: nothing to replace.
  BOOST_CHECK(!c->broken());
  BOOST_CHECK_EQUAL(c->query({"SELECT 1", {}}).rows.at(0).at(0).as<int>(), 1);
}

BOOST_AUTO_TEST_CASE(a_statement_s_own_limit_and_a_scoped_limit_win_over_the_connection_s) {
  grant::test::Utf8Locale locale;
  grant::driver::ConnectOptions options;
  options.query_timeout = 0ms;  // none
  auto c = grant::test::open_primary(options);
  expect_timeout([&] { c->query({long_sql(), {}, 500ms}); }, 0.5, long_sql().substr(0, 20));
  {
    grant::TimeoutScope scope(*c, 700ms);
    BOOST_CHECK(c->timeout() == std::optional<std::chrono::milliseconds>(700ms));
    expect_timeout([&] { c->exec({long_sql(), {}}); }, 0.7, long_sql().substr(0, 20));
  }
  BOOST_CHECK(!c->timeout());
  BOOST_CHECK_EQUAL(c->query({"SELECT 2", {}}).rows.at(0).at(0).as<int>(), 2);
}

BOOST_AUTO_TEST_CASE(a_stopped_server_gives_query_timeout_to_a_sync_call_and_the_shard_recovers,
                     *boost::unit_test::precondition(stoppable_server)) {
  grant::Runtime runtime(one_connection(1000ms));
  grant::Shard shard = runtime.shard("primary");
  std::unique_ptr<Stopped> stopped;
  expect_timeout(
      [&] {
        shard.run(
            [&](grant::Connection& c) {
              pid_t pid = server_process(c);
              stopped = std::make_unique<Stopped>(pid);
              return c.query({"SELECT 42", {}});
            },
            false)
            .await();
      },
      1.0, "SELECT 42");
  BOOST_REQUIRE(stopped);
  stopped->resume();
  // The pool (one connection) replaced the stuck connection.
  const auto start = Clock::now();
  BOOST_CHECK_EQUAL(shard.query("SELECT 7").rows.at(0).at(0).as<int>(), 7);
  BOOST_CHECK_LE(seconds_since(start), 5.0);
}

BOOST_AUTO_TEST_CASE(a_stopped_server_gives_query_timeout_to_await_and_the_shard_recovers,
                     *boost::unit_test::precondition(stoppable_server)) {
  grant::Runtime runtime(one_connection(1000ms));
  grant::Shard shard = runtime.shard("primary");
  const pid_t pid = shard.run([](grant::Connection& c) { return server_process(c); }, false).await();
  {
    Stopped stopped(pid);
    expect_timeout([&] { shard.async_query("SELECT 43").await(); }, 1.0, "SELECT 43");
  }
  BOOST_CHECK_EQUAL(shard.async_query("SELECT 8").await().rows.at(0).at(0).as<int>(), 8);
}

BOOST_AUTO_TEST_CASE(query_timeout_on_a_model_query_overrides_the_shard_s) {
  grant::Runtime runtime(one_connection(0ms));  // no shard-wide limit
  Item::migrator().drop_and_create();
  Item::create_or_throw({{"name", "one"}});
  expect_timeout([] { Item::where(slow_condition()).timeout(600ms).count(); }, 0.6, "deadline_items");
  expect_timeout([] { Item::where(slow_condition()).timeout(600ms).async_all().await(); }, 0.6, "deadline_items");
  BOOST_CHECK_EQUAL(Item::query().timeout(5s).count(), 1);
}

BOOST_AUTO_TEST_SUITE_END()
