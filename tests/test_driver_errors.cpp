// The driver layer's errors, ids, transactions and hooks, on the backend the environment
// names (tests/support/backend.hpp): one set of cases, quirks as Backend flags.
#define BOOST_TEST_MODULE test_driver_errors
#include <boost/test/unit_test.hpp>

#include "tests/support/driver_fixture.hpp"
#include "tests/support/skip.hpp"

#include <grant/errors.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <future>
#include <memory>
#include <regex>
#include <thread>

using namespace grant;
using namespace std::chrono_literals;
using grant::test::backend;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

struct Fixture : grant::test::DriverFixture {
  std::string table(const char* name) const { return q(name); }
  std::int64_t count(const char* name) {
    return c.query({"SELECT COUNT(*) FROM " + q(name), {}}).rows.at(0).at(0).as<std::int64_t>();
  }
  void make_people() {
    create_table("people", {q("email") + " VARCHAR(100) NOT NULL UNIQUE", q("n") + " " + type(ColumnType::int64)});
  }
  std::string insert_person() const {
    return "INSERT INTO " + q("people") + " (" + q("email") + ", " + q("n") + ") VALUES (?, ?)";
  }
};

}  // namespace

BOOST_FIXTURE_TEST_SUITE(errors, Fixture)

BOOST_AUTO_TEST_CASE(syntax_error_is_a_database_error_with_sqlstate_and_sql) {
  try {
    c.query({"SELEC 1", {}});
    BOOST_FAIL("no error");
  } catch (const UniqueViolation&) {
    BOOST_FAIL("wrong class");
  } catch (const ConnectionLost&) {
    BOOST_FAIL("wrong class");
  } catch (const DatabaseError& e) {
    BOOST_CHECK_EQUAL(e.sqlstate(), backend().syntax_error_sqlstate);
    BOOST_CHECK_EQUAL(e.sql(), "SELEC 1");
    BOOST_CHECK_EQUAL(e.shard(), "primary");
    BOOST_CHECK(contains(e.what(), "SELEC 1"));
    BOOST_CHECK(contains(e.what(), "primary"));
    BOOST_CHECK(!e.driver_message().empty());
  }
  BOOST_CHECK(!c.broken());
  BOOST_CHECK_EQUAL(c.query({"SELECT 1", {}}).rows.at(0).at(0).as<int>(), 1);
}

BOOST_AUTO_TEST_CASE(unique_violation_on_every_backend) {
  make_people();
  c.exec({insert_person(), {std::string("a@example.com"), 1}});
  try {
    c.exec({insert_person(), {std::string("a@example.com"), 2}});
    BOOST_FAIL("no error");
  } catch (const UniqueViolation& e) {
    BOOST_CHECK(!e.sqlstate().empty());
    BOOST_CHECK(contains(e.what(), "INSERT INTO"));
    BOOST_TEST_MESSAGE("unique violation: sqlstate " << e.sqlstate() << " native " << e.native_error());
  }
  BOOST_CHECK(!c.broken());
  BOOST_CHECK_EQUAL(count("people"), 1);
}

BOOST_AUTO_TEST_CASE(wrong_number_of_parameters_is_named_plainly) {
  for (std::vector<Value> params : {std::vector<Value>{}, std::vector<Value>{1, 2}}) {
    try {
      c.query({"SELECT ? AS x", params});
      BOOST_FAIL("no error");
    } catch (const DatabaseError& e) {
      BOOST_CHECK_EQUAL(e.sqlstate(), "07002");
      BOOST_CHECK(contains(e.what(), "1 placeholder(s) but " + std::to_string(params.size()) + " parameter(s)"));
    }
  }
  BOOST_CHECK_EQUAL(c.query({"SELECT ? AS x", {7}}).rows.at(0).at(0).as<int>(), 7);
}

BOOST_AUTO_TEST_CASE(not_null_violation_is_not_a_unique_violation) {
  make_people();
  try {
    c.exec({insert_person(), {null, 1}});
    BOOST_FAIL("no error");
  } catch (const UniqueViolation&) {
    BOOST_FAIL("a NOT NULL failure was classified as a unique violation");
  } catch (const DatabaseError& e) {
    BOOST_CHECK(!e.sqlstate().empty());
  }
}

BOOST_AUTO_TEST_CASE(parameter_values_appear_only_when_allowed) {
  make_people();
  c.exec({insert_person(), {std::string("hunter2"), 1}});
  try {
    c.exec({insert_person(), {std::string("hunter2"), 2}});
    BOOST_FAIL("no error");
  } catch (const DatabaseError& e) {
    BOOST_CHECK(!contains(e.sql(), "hunter2"));
  }
  driver::ConnectOptions verbose;
  verbose.log_parameters = true;
  auto loud = grant::test::open_primary(verbose);
  try {
    loud->exec({insert_person(), {std::string("hunter2"), 3}});
    BOOST_FAIL("no error");
  } catch (const DatabaseError& e) {
    BOOST_CHECK(contains(e.sql(), "'hunter2'"));
    BOOST_CHECK(contains(e.what(), "hunter2"));
  }
}

BOOST_AUTO_TEST_CASE(unknown_driver_is_a_clear_error_with_the_password_masked) {
  driver::ConnectOptions options;
  options.shard = "nowhere";
  try {
    driver::connect("Driver={No Such Driver};Server=x;Pwd=s3cret", options);
    BOOST_FAIL("no error");
  } catch (const DatabaseError& e) {
    BOOST_CHECK(contains(e.what(), "No Such Driver"));
    BOOST_CHECK(contains(e.what(), "nowhere"));
    BOOST_CHECK(!contains(e.what(), "s3cret"));
  }
}

// A string that does not parse as key=value pairs is shown as written (password masked)
// and the message says what does not parse; ODBC itself ignores such parts silently.
BOOST_AUTO_TEST_CASE(a_connection_string_that_does_not_parse_is_shown_masked) {
  driver::ConnectOptions options;
  options.shard = "garbled";
  const std::pair<const char*, const char*> cases[] = {
      {"Driver={No Such Driver};Server=x;Pwd=s3cret;stray words;Uid", "'stray words' is not a key=value pair"},
      {"Driver={No Such Driver};Server=x;Password={s3cret;Port=1", "opens '{' without a closing '}'"},
      {"just some words", "'just some words' is not a key=value pair"},
  };
  for (const auto& [text, problem] : cases) {
    try {
      driver::connect(text, options);
      BOOST_ERROR("no error for " << text);
    } catch (const DatabaseError& e) {
      const std::string what = e.what();
      BOOST_TEST_MESSAGE(what);
      BOOST_CHECK_MESSAGE(contains(what, "does not parse"), what);
      BOOST_CHECK_MESSAGE(contains(what, problem), what);
      BOOST_CHECK_MESSAGE(!contains(what, "s3cret"), what);
      BOOST_CHECK(contains(what, "garbled"));
    }
  }
  try {
    driver::connect("Driver={No Such Driver};Server=x;Pwd=s3cret;stray words;Uid", options);
  } catch (const DatabaseError& e) {
    BOOST_CHECK_EQUAL(e.sql(), "connect Driver={No Such Driver};Server=x;Pwd=***;stray words;Uid");
  }
}

// The installed drivers are listed, so a typo in Driver= is one look away from its fix.
BOOST_AUTO_TEST_CASE(a_missing_odbc_driver_lists_the_installed_ones) {
  const std::string good = backend().shards.at(0);
  std::smatch m;
  BOOST_REQUIRE(std::regex_search(good, m, std::regex("Driver=\\{?([^;}]+)\\}?", std::regex::icase)));
  const std::string ours = m[1];  // "SQLite3", "PostgreSQL Unicode", "MariaDB Unicode"
  std::string typo = std::regex_replace(good, std::regex("Driver=\\{?[^;}]+\\}?", std::regex::icase),
                                        "Driver={" + ours + "X}");
  driver::ConnectOptions options;
  options.shard = "typo";
  try {
    driver::connect(typo, options);
    BOOST_FAIL("no error");
  } catch (const DatabaseError& e) {
    const std::string what = e.what();
    BOOST_TEST_MESSAGE(what);
    BOOST_CHECK_MESSAGE(contains(what, "ODBC driver '" + ours + "X' is not installed; installed drivers: "), what);
    auto from = what.find("installed drivers: ");
    auto to = what.find(" (odbcinst -q -d", from);
    BOOST_REQUIRE(from != std::string::npos && to != std::string::npos);
    std::string list = ", " + what.substr(from + 19, to - from - 19) + ",";
    BOOST_CHECK_MESSAGE(contains(list, ", " + ours + ","), list);  // the backend's own driver is listed
    BOOST_CHECK(contains(what, "typo"));
  }
}

// The SQLite driver says only "unable to open database file"; the message says why.
BOOST_AUTO_TEST_CASE(a_sqlite_file_that_cannot_be_opened_says_why, *grant::test::only_on("sqlite")) {
  const std::pair<std::string, std::string> cases[] = {
      {"/nonexistent-grant-dir/x.db", "directory '/nonexistent-grant-dir' does not exist"},
      {"/etc/passwd/x.db", "'/etc/passwd' is not a directory"},
      // sysfs refuses new files even to root, so this holds however the suite is run.
      {"/sys/grant-test.db", "cannot create '/sys/grant-test.db' in directory '/sys': Permission denied"},
  };
  driver::ConnectOptions options;
  options.shard = "files";
  for (const auto& [file, why] : cases) {
    try {
      driver::connect("Driver=SQLite3;Database=" + file, options);
      BOOST_ERROR("no error for " << file);
    } catch (const DatabaseError& e) {
      const std::string what = e.what();
      BOOST_TEST_MESSAGE(what);
      BOOST_CHECK_MESSAGE(contains(what, "SQLite database file: " + why), what);
      BOOST_CHECK(contains(what, "files"));
    }
  }
}

BOOST_AUTO_TEST_CASE(unreachable_database_is_a_clear_error) {
  driver::ConnectOptions options;
  options.shard = "broken";
  std::string good = backend().shards.at(0);
  if (backend().server) {
    // Nothing listens on port 1: psqlODBC reports 08001, MariaDB HY000 with native 2002;
    // both are ConnectionLost.
    std::string bad = std::regex_replace(good, std::regex("port=[0-9]+", std::regex::icase), "Port=1");
    BOOST_REQUIRE(bad != good);
    try {
      driver::connect(bad, options);
      BOOST_FAIL("no error");
    } catch (const ConnectionLost& e) {
      BOOST_CHECK(!e.sqlstate().empty());
      BOOST_CHECK(contains(e.what(), "Port=1"));
      BOOST_CHECK(contains(e.what(), "broken"));
    }
  } else {
    // A file in a directory that does not exist: the SQLite driver cannot open it.
    std::string bad = std::regex_replace(good, std::regex("Database=[^;]*", std::regex::icase),
                                         "Database=/nonexistent-grant-dir/x.db");
    BOOST_REQUIRE(bad != good);
    try {
      driver::connect(bad, options);
      BOOST_FAIL("no error");
    } catch (const DatabaseError& e) {
      BOOST_CHECK(contains(e.what(), "/nonexistent-grant-dir/x.db"));
      BOOST_CHECK(contains(e.what(), "broken"));
    }
  }
}

BOOST_AUTO_TEST_CASE(a_server_that_never_answers_fails_the_connect_after_connect_timeout,
                     *grant::test::only_if(&grant::test::Backend::honours_login_timeout,
                                           "needs a server (SQLite connects to a file)")) {
  // A socket that listens but never accepts: the kernel completes the TCP handshake and the
  // driver then waits for the server's first word (a hung or SIGSTOPped server). Without a
  // bound psqlODBC and MariaDB Connector/ODBC wait forever.
  int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  BOOST_REQUIRE(listener >= 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t length = sizeof addr;
  BOOST_REQUIRE_EQUAL(::bind(listener, reinterpret_cast<sockaddr*>(&addr), sizeof addr), 0);
  BOOST_REQUIRE_EQUAL(::listen(listener, 8), 0);
  BOOST_REQUIRE_EQUAL(::getsockname(listener, reinterpret_cast<sockaddr*>(&addr), &length), 0);
  const std::string port = std::to_string(ntohs(addr.sin_port));
  std::string mute = std::regex_replace(backend().shards.at(0), std::regex("port=[0-9]+", std::regex::icase), "Port=" + port);
  BOOST_REQUIRE(mute != backend().shards.at(0));

  driver::ConnectOptions options;
  options.shard = "mute";
  // 2 s, not 1: libpq (under psqlODBC) takes no connect timeout below 2 s.
  options.connect_timeout = 2s;
  auto outcome = std::make_shared<std::promise<std::string>>();
  std::future<std::string> done = outcome->get_future();
  const auto start = std::chrono::steady_clock::now();
  std::thread([mute, options, outcome] {
    try {
      driver::connect(mute, options);
      outcome->set_value("connected?!");
    } catch (const ConnectionLost& e) {
      outcome->set_value(std::string("ConnectionLost: ") + e.sqlstate() + " " + e.what());
    } catch (const std::exception& e) {
      outcome->set_value(std::string("other: ") + e.what());
    }
  }).detach();
  // Only a hang is waited out here; the time taken is checked below.
  BOOST_REQUIRE_MESSAGE(done.wait_for(60s) == std::future_status::ready, "connect still waiting after 60 s");
  const double took = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  const std::string what = done.get();
  BOOST_TEST_MESSAGE("connect failed after " << took << " s: " << what);
  BOOST_CHECK_MESSAGE(what.rfind("ConnectionLost: 08", 0) == 0 || what.rfind("ConnectionLost: HYT", 0) == 0, what);
  BOOST_CHECK(contains(what, "mute"));
  BOOST_CHECK_MESSAGE(contains(what, "Port=" + port) && contains(what, "Pwd=***") && !contains(what, "Pwd=grant"), what);
  BOOST_CHECK_GE(took, 1.8);
  BOOST_CHECK_LE(took, 2.0 + 1.5);  // the driver's own clock plus scheduling
  ::close(listener);
}

BOOST_AUTO_TEST_CASE(connection_loss_marks_the_connection_broken,
                     *grant::test::only_if(&grant::test::Backend::server, "an embedded SQLite file has no connection to lose")) {
  auto victim = grant::test::open_primary();
  bool pg = c.dialect().kind() == DialectKind::postgresql;
  Value id = victim->query({pg ? "SELECT pg_backend_pid()" : "SELECT CONNECTION_ID()", {}}).rows.at(0).at(0);
  if (pg) c.query({"SELECT pg_terminate_backend(?)", {id}});
  else c.exec({"KILL ?", {id}});
  BOOST_CHECK_THROW(victim->query({"SELECT 1", {}}), ConnectionLost);
  BOOST_CHECK(victim->broken());
  BOOST_CHECK_THROW(victim->query({"SELECT 1", {}}), ConnectionLost);
  BOOST_CHECK(!c.broken());
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(statements, Fixture)

BOOST_AUTO_TEST_CASE(insert_returns_increasing_ids) {
  make_people();
  std::int64_t previous = 0;
  for (int i = 0; i < 5; ++i) {
    std::int64_t id = c.insert({insert_person(), {std::string("p") + std::to_string(i) + "@example.com", i}}, "id");
    BOOST_CHECK_GT(id, previous);
    previous = id;
  }
  auto rows = c.query({"SELECT " + q("n") + " FROM " + q("people") + " WHERE " + q("id") + " = ?", {previous}});
  BOOST_CHECK_EQUAL(rows.rows.at(0).at(0).as<int>(), 4);
}

BOOST_AUTO_TEST_CASE(exec_reports_rows_affected) {
  make_people();
  for (int i = 0; i < 3; ++i) c.exec({insert_person(), {"r" + std::to_string(i), i}});
  BOOST_CHECK_EQUAL(c.exec({"UPDATE " + q("people") + " SET " + q("n") + " = ? WHERE " + q("n") + " >= ?", {7, 1}}), 2);
  // Matched rows, not changed rows (MariaDB needs OPTION=2 for this).
  BOOST_CHECK_EQUAL(c.exec({"UPDATE " + q("people") + " SET " + q("n") + " = ? WHERE " + q("n") + " >= ?", {7, 1}}), 2);
  BOOST_CHECK_EQUAL(c.exec({"DELETE FROM " + q("people") + " WHERE " + q("n") + " = ?", {99}}), 0);
  BOOST_CHECK_EQUAL(c.exec({"DELETE FROM " + q("people"), {}}), 3);
}

BOOST_AUTO_TEST_CASE(a_cached_statement_survives_ddl_from_another_connection) {
  create_table("evolve", {q("a") + " " + type(ColumnType::int64)});
  c.exec({"INSERT INTO " + q("evolve") + " (" + q("a") + ") VALUES (?)", {1}});
  std::string select = "SELECT * FROM " + q("evolve");
  BOOST_CHECK_EQUAL(c.query({select, {}}).columns.size(), 2u);
  auto migrator = grant::test::open_primary();
  migrator->exec({"ALTER TABLE " + q("evolve") + " ADD COLUMN " + q("b") + " " + type(ColumnType::text), {}});
  auto rows = c.query({select, {}});  // PostgreSQL: 0A000 on the cached plan, re-prepared once
  BOOST_CHECK_EQUAL(rows.columns.size(), 3u);
  BOOST_CHECK(rows.at(0, "b").is_null());
}

BOOST_AUTO_TEST_CASE(a_cached_insert_survives_a_table_recreated_with_other_types) {
  create_table("recreated", {q("v") + " " + type(ColumnType::int64)});
  std::string insert = "INSERT INTO " + q("recreated") + " (" + q("v") + ") VALUES (?)";
  c.exec({insert, {null}});
  auto migrator = grant::test::open_primary();
  migrator->exec({c.dialect().drop_table_sql("recreated"), {}});
  migrator->exec({"CREATE TABLE " + q("recreated") + " (" + q("v") + " " + type(ColumnType::boolean) + ")", {}});
  c.exec({insert, {null}});  // PostgreSQL: 42804, the old statement typed $1 as bigint
  c.exec({insert, {true}});
  auto rows = c.query({"SELECT " + q("v") + " FROM " + q("recreated") + " WHERE " + q("v") + " IS NOT NULL", {}});
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_CHECK_EQUAL(rows.rows[0][0].as<bool>(), true);
}

BOOST_AUTO_TEST_CASE(statement_hook_sees_every_statement) {
  std::vector<StatementEvent> events;
  driver::ConnectOptions options;
  options.shard = "hooked";
  options.on_statement = [&](StatementEvent& e) { events.push_back(e); };
  auto h = grant::test::open_primary(options);
  events.clear();  // connect may run session set-up statements
  h->query({"SELECT 1", {}});
  BOOST_CHECK_THROW(h->query({"SELEC 2", {}}), DatabaseError);
  BOOST_REQUIRE_EQUAL(events.size(), 2u);
  BOOST_CHECK_EQUAL(events[0].sql, "SELECT 1");
  BOOST_CHECK_EQUAL(events[0].shard, "hooked");
  BOOST_CHECK_EQUAL(events[0].rows, 1);
  BOOST_CHECK(events[0].ok);
  BOOST_CHECK(events[0].duration.count() >= 0);
  BOOST_CHECK_EQUAL(events[1].sql, "SELEC 2");
  BOOST_CHECK(!events[1].ok);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(transactions, Fixture)

BOOST_AUTO_TEST_CASE(commit_and_rollback) {
  make_people();
  BOOST_CHECK(!c.in_transaction());
  c.begin();
  BOOST_CHECK(c.in_transaction());
  c.exec({insert_person(), {std::string("kept"), 1}});
  c.commit();
  BOOST_CHECK(!c.in_transaction());
  c.begin();
  c.exec({insert_person(), {std::string("dropped"), 2}});
  BOOST_CHECK_EQUAL(count("people"), 2);  // the transaction sees its own write
  c.rollback();
  BOOST_CHECK(!c.in_transaction());
  BOOST_CHECK_EQUAL(count("people"), 1);
  BOOST_CHECK_THROW(c.commit(), Error);
  c.begin();
  BOOST_CHECK_THROW(c.begin(), Error);
  c.rollback();
}

BOOST_AUTO_TEST_CASE(uncommitted_work_is_invisible_to_another_connection) {
  make_people();
  auto other = grant::test::open_primary();
  c.begin();
  c.exec({insert_person(), {std::string("mine"), 1}});
  auto seen = other->query({"SELECT COUNT(*) FROM " + q("people"), {}}).rows.at(0).at(0).as<std::int64_t>();
  BOOST_CHECK_EQUAL(seen, 0);
  c.commit();
  seen = other->query({"SELECT COUNT(*) FROM " + q("people"), {}}).rows.at(0).at(0).as<std::int64_t>();
  BOOST_CHECK_EQUAL(seen, 1);
}

BOOST_AUTO_TEST_CASE(rollback_to_savepoint_keeps_outer_work) {
  make_people();
  c.begin();
  c.exec({insert_person(), {std::string("outer"), 1}});
  c.savepoint("inner");
  c.exec({insert_person(), {std::string("inner"), 2}});
  c.rollback_to("inner");
  c.release("inner");
  c.savepoint("second");
  c.exec({insert_person(), {std::string("second"), 3}});
  c.release("second");
  c.commit();
  auto rows = c.query({"SELECT " + q("email") + " FROM " + q("people") + " ORDER BY " + q("n"), {}});
  BOOST_REQUIRE_EQUAL(rows.size(), 2u);
  BOOST_CHECK_EQUAL(rows.rows[0][0].as<std::string>(), "outer");
  BOOST_CHECK_EQUAL(rows.rows[1][0].as<std::string>(), "second");
}

BOOST_AUTO_TEST_CASE(a_failed_statement_leaves_the_transaction_usable) {
  // Measured on all three drivers: the failed statement alone is undone (psqlODBC wraps
  // each statement of a transaction in its own savepoint), earlier work stays.
  make_people();
  c.begin();
  c.exec({insert_person(), {std::string("first"), 1}});
  BOOST_CHECK_THROW(c.exec({insert_person(), {std::string("first"), 2}}), UniqueViolation);
  BOOST_CHECK(c.in_transaction());
  c.exec({insert_person(), {std::string("second"), 3}});
  c.commit();
  BOOST_CHECK_EQUAL(count("people"), 2);
}

BOOST_AUTO_TEST_CASE(closing_a_connection_rolls_back_its_open_transaction) {
  make_people();
  {
    auto doomed = grant::test::open_primary();
    doomed->begin();
    doomed->exec({insert_person(), {std::string("ghost"), 1}});
  }
  BOOST_CHECK_EQUAL(count("people"), 0);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(connection_strings)

BOOST_AUTO_TEST_CASE(driver_defaults_are_added_unless_set) {
  auto pg = driver::with_driver_defaults("Driver={PostgreSQL Unicode};Server=h", 5000ms);
  BOOST_CHECK(contains(pg, "BoolsAsChar=0"));
  BOOST_CHECK(contains(pg, "ConnSettings={SET TIME ZONE 'UTC'}"));
  auto pg_user = driver::with_driver_defaults("Driver={PostgreSQL Unicode};boolsaschar=1", 5000ms);
  BOOST_CHECK(!contains(pg_user, "BoolsAsChar=0"));
  auto lite = driver::with_driver_defaults("Driver=SQLite3;Database=x.db;Timeout=100", 2500ms);
  BOOST_CHECK(contains(lite, "BigInt=1"));
  BOOST_CHECK(contains(lite, "FKSupport=1"));
  BOOST_CHECK(contains(lite, "JournalMode=WAL"));
  BOOST_CHECK(!contains(lite, "Timeout=2500"));
  BOOST_CHECK(contains(driver::with_driver_defaults("Driver=SQLite3;Database=x.db", 2500ms), "Timeout=2500"));
  auto maria = driver::with_driver_defaults("DRIVER={MariaDB Unicode};SERVER=h", 5000ms);
  BOOST_CHECK(contains(maria, "CHARSET=utf8mb4"));
  BOOST_CHECK(contains(maria, "OPTION=2"));
  BOOST_CHECK(contains(maria, "INITSTMT={SET time_zone='+00:00'}"));
  BOOST_CHECK(!contains(maria, "CONN_TIMEOUT"));  // no connect timeout given, none added
  BOOST_CHECK(contains(driver::with_driver_defaults("DRIVER={MariaDB Unicode};SERVER=h", 5000ms, 1500ms),
                       "CONN_TIMEOUT=2"));  // whole seconds, rounded up
  auto maria_user = driver::with_driver_defaults("DRIVER={MariaDB Unicode};conn_timeout=7", 5000ms, 1500ms);
  BOOST_CHECK(contains(maria_user, "conn_timeout=7") && !contains(maria_user, "CONN_TIMEOUT=2"));
  BOOST_CHECK(!contains(driver::with_driver_defaults("Driver={PostgreSQL Unicode};Server=h", 5000ms, 1500ms),
                        "CONN_TIMEOUT"));  // psqlODBC takes SQL_ATTR_LOGIN_TIMEOUT
  BOOST_CHECK_EQUAL(driver::with_driver_defaults("DSN=orders_eu", 5000ms), "DSN=orders_eu");
}

BOOST_AUTO_TEST_SUITE_END()
