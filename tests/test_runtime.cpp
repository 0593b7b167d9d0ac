// Runtime, shard pools and the executor: concurrency, pool bounds, checkout time-outs,
// lost connections, hooks and metrics, plain threads, the inline rule, shutdown.
#define BOOST_TEST_MODULE test_runtime
#include <boost/test/unit_test.hpp>

#include <grant/errors.hpp>
#include <grant/fiber.hpp>
#include <grant/runtime.hpp>

#include "tests/runtime_helpers.hpp"
#include "tests/support/backend.hpp"
#include "tests/support/skip.hpp"

#include <atomic>
#include <chrono>
#include <fstream>
#include <mutex>
#include <set>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace gf = grant::fiber;
using grant::test::backend;

BOOST_AUTO_TEST_CASE(fifty_fibers_insert_at_once) {
  grant::Runtime runtime{grant::test::config(4)};
  grant::Shard shard = runtime.shard("primary");
  rt_test::make_table(shard, "rt_fifty");

  std::vector<std::int64_t> ids(50, -1);
  std::vector<std::int64_t> affected(50, -1);
  std::vector<gf::Fiber> fibers;
  for (int i = 0; i < 50; ++i) {
    fibers.push_back(gf::spawn([&, i] {
      grant::Statement insert{"INSERT INTO rt_fifty (name, n) VALUES (?, ?)", {"fiber é 🎉 " + std::to_string(i), i}};
      // Both started before either is awaited: two jobs of this fiber in flight at once.
      auto id = shard.run([insert](grant::Connection& c) { return c.insert(insert, "id"); });
      auto raw = shard.async_exec("INSERT INTO rt_fifty (name, n) VALUES (?, ?)", {"raw", 1000 + i});
      ids[i] = id.await();
      affected[i] = raw.await();
    }));
  }
  for (auto& f : fibers) f.join();

  std::set<std::int64_t> distinct(ids.begin(), ids.end());
  BOOST_CHECK_EQUAL(distinct.size(), 50u);
  for (auto a : affected) BOOST_CHECK_EQUAL(a, 1);
  for (int i = 0; i < 50; ++i) {
    grant::Rows rows = shard.query("SELECT name, n FROM rt_fifty WHERE id = ?", {ids[i]});
    BOOST_REQUIRE_EQUAL(rows.size(), 1u);
    BOOST_CHECK_EQUAL(rows.at(0, "name").as<std::string>(), "fiber é 🎉 " + std::to_string(i));
    BOOST_CHECK_EQUAL(rows.at(0, "n").as<std::int64_t>(), i);
  }
  BOOST_CHECK_EQUAL(rt_test::count(shard, "rt_fifty"), 100);
  BOOST_CHECK_LE(shard.pool_stats().max_open_seen, 4u);
}

namespace {
// Threads of this process now (Linux).
int thread_count() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("Threads:", 0) == 0) return std::stoi(line.substr(8));
  return -1;
}
}  // namespace

BOOST_AUTO_TEST_CASE(a_thousand_pending_ops_use_pool_size_threads) {
  int before = thread_count();
  grant::Runtime runtime{grant::test::config(2)};
  grant::Shard shard = runtime.shard("primary");
  std::vector<grant::AsyncResult<grant::Rows>> results;
  for (int i = 0; i < 1000; ++i) results.push_back(shard.async_query("SELECT 1"));
  int during = thread_count();
  for (auto& r : results) BOOST_CHECK_EQUAL(r.await().size(), 1u);
  BOOST_CHECK_LE(during - before, 3);  // two workers and the pool's time-out reaper
  BOOST_CHECK_LE(shard.pool_stats().max_open_seen, 2u);
  BOOST_CHECK_EQUAL(runtime.metrics().ops_completed, 1000u);
}

BOOST_AUTO_TEST_CASE(pool_of_two_serves_two_hundred_fibers) {
  grant::Runtime runtime{grant::test::config(2)};
  grant::Shard shard = runtime.shard("primary");
  rt_test::make_table(shard, "rt_two");
  rt_test::insert(shard, "rt_two", "x", 7);

  const std::string id_sql = rt_test::connection_id_sql();
  std::mutex mutex;
  std::set<std::int64_t> server_ids;
  std::atomic<int> ok{0};
  std::vector<gf::Fiber> fibers;
  for (int i = 0; i < 200; ++i) {
    fibers.push_back(gf::spawn([&, i] {
      grant::Rows rows = shard.query("SELECT n FROM rt_two WHERE n = ?", {7});
      if (rows.size() == 1 && rows.rows[0][0].as<std::int64_t>() == 7) ++ok;
      if (!id_sql.empty() && i % 10 == 0) {
        auto id = shard.query(id_sql).rows.at(0).at(0).as<std::int64_t>();
        std::lock_guard lock(mutex);
        server_ids.insert(id);
      }
    }));
  }
  BOOST_CHECK_LE(shard.pool_stats().queued, 200u);
  for (auto& f : fibers) f.join();
  BOOST_CHECK_EQUAL(ok.load(), 200);
  grant::PoolStats stats = shard.pool_stats();
  BOOST_CHECK_EQUAL(stats.size, 2u);
  BOOST_CHECK_GE(stats.max_open_seen, 1u);
  BOOST_CHECK_LE(stats.max_open_seen, 2u);
  BOOST_CHECK_LE(stats.open, 2u);
  BOOST_CHECK_EQUAL(stats.queued, 0u);
  if (!id_sql.empty()) {
    BOOST_CHECK_GE(server_ids.size(), 1u);
    BOOST_CHECK_LE(server_ids.size(), 2u);
  }
}

BOOST_AUTO_TEST_CASE(checkout_times_out_while_the_only_connection_is_held) {
  grant::Runtime runtime{grant::test::config(1, 100ms)};
  grant::Shard shard = runtime.shard("primary");
  rt_test::make_table(shard, "rt_held");

  gf::Channel<int> holding{1}, release{1};
  auto holder = gf::spawn([&] {
    shard.transaction([&] {
      rt_test::insert(shard, "rt_held", "held");
      holding.send(1);
      release.receive();  // holds the pool's only connection until the other fiber is done
    });
  });

  holding.receive();
  BOOST_CHECK_EQUAL(shard.pool_stats().busy, 1u);
  auto started = std::chrono::steady_clock::now();
  auto query = shard.async_query("SELECT 1");
  // await_for turns a hang into a failure: PoolTimeout must come from the pool, on time.
  BOOST_CHECK_THROW(query.await_for(5s), grant::PoolTimeout);
  auto waited = std::chrono::steady_clock::now() - started;
  BOOST_CHECK(waited >= 100ms);
  BOOST_CHECK(waited < 4s);
  try {
    query.await();
  } catch (const grant::PoolTimeout& e) {
    BOOST_CHECK_EQUAL(e.shard(), "primary");
    BOOST_CHECK(std::string(e.what()).find("primary") != std::string::npos);
  }

  // A transaction's checkout obeys the same limit.
  started = std::chrono::steady_clock::now();
  BOOST_CHECK_THROW(shard.transaction([] {}), grant::PoolTimeout);
  BOOST_CHECK(std::chrono::steady_clock::now() - started >= 100ms);

  BOOST_CHECK_GE(runtime.metrics().ops_failed, 1u);  // the timed-out query
  release.send(1);
  holder.join();
  BOOST_CHECK_EQUAL(rt_test::count(shard, "rt_held"), 1);  // the holder committed
  BOOST_CHECK_EQUAL(shard.pool_stats().max_open_seen, 1u);
}

BOOST_AUTO_TEST_CASE(server_ends_a_connection_between_two_queries,
                     *grant::test::only_if(&grant::test::Backend::server, "no server to end a connection on")) {
  grant::Runtime runtime{grant::test::config(1, 2000ms)};
  grant::Shard shard = runtime.shard("primary");
  grant::Shard other = runtime.shard("shard_1");
  auto first_id = shard.query(rt_test::connection_id_sql()).rows.at(0).at(0).as<std::int64_t>();
  other.query(rt_test::kill_sql(first_id));

  // The first query after the kill may fail (the handle cannot know before it is used);
  // it must not hang, and the one after it must succeed on a fresh connection.
  auto next = shard.async_query(rt_test::connection_id_sql());
  try {
    next.await_for(10s);
  } catch (const grant::ConnectionLost& e) {
    BOOST_TEST_MESSAGE("first query after the kill: " << e.what());
  }
  auto after = shard.async_query(rt_test::connection_id_sql());
  std::int64_t second_id = 0;
  BOOST_REQUIRE_NO_THROW(second_id = after.await_for(10s).rows.at(0).at(0).as<std::int64_t>());
  BOOST_CHECK_NE(second_id, first_id);
  BOOST_CHECK_LE(shard.pool_stats().open, 1u);
}

BOOST_AUTO_TEST_CASE(statement_hooks_and_metrics) {
  grant::Runtime runtime{grant::test::config(2)};
  grant::Shard shard = runtime.shard("primary");
  rt_test::make_table(shard, "rt_hooks");

  std::mutex mutex;
  std::vector<grant::StatementEvent> events;
  std::size_t hook = runtime.add_statement_hook([&](const grant::StatementEvent& e) {
    std::lock_guard lock(mutex);
    events.push_back(e);
  });
  grant::Metrics before = runtime.metrics();

  rt_test::insert(shard, "rt_hooks", "a", 1);                                          // sync
  BOOST_CHECK_EQUAL(shard.async_query("SELECT name FROM rt_hooks").await().size(), 1u);  // async
  BOOST_CHECK_THROW(shard.query("SELECT no_such_column FROM rt_hooks"), grant::DatabaseError);

  grant::Metrics after = runtime.metrics();
  BOOST_CHECK_EQUAL(after.ops_started - before.ops_started, 3u);
  BOOST_CHECK_EQUAL(after.ops_completed - before.ops_completed, 2u);
  BOOST_CHECK_EQUAL(after.ops_failed - before.ops_failed, 1u);
  BOOST_CHECK_GE(after.statements - before.statements, 2u);
  {
    std::lock_guard lock(mutex);
    BOOST_REQUIRE_GE(events.size(), 2u);
    BOOST_CHECK_EQUAL(events[0].shard, "primary");
    BOOST_CHECK(events[0].sql.find("INSERT INTO rt_hooks") != std::string::npos);
    BOOST_CHECK(!events[0].async);
    BOOST_CHECK(events[0].ok);
    BOOST_CHECK_EQUAL(events[0].rows, 1);
    BOOST_CHECK(events[1].async);
    BOOST_CHECK_EQUAL(events[1].rows, 1);
    BOOST_CHECK(events[1].sql.find("SELECT name") != std::string::npos);
    BOOST_CHECK_EQUAL(events.size(), after.statements - before.statements);
    if (events.size() == 3) BOOST_CHECK(!events[2].ok);
  }

  runtime.remove_statement_hook(hook);
  std::size_t seen = events.size();
  shard.query("SELECT 1");
  BOOST_CHECK_EQUAL(events.size(), seen);
  BOOST_CHECK_EQUAL(runtime.metrics().statements - after.statements, 1u);
}

BOOST_AUTO_TEST_CASE(plain_threads_without_fibers) {
  grant::Runtime runtime{grant::test::config(3)};
  grant::Shard shard = runtime.shard("primary");
  rt_test::make_table(shard, "rt_threads");
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      try {
        std::string name("t");
        name += std::to_string(t);
        for (int i = 0; i < 25; ++i) {
          rt_test::insert(shard, "rt_threads", name, i);
          if (rt_test::count(shard, "rt_threads", "name = '" + name + "'") != i + 1) ++failures;
        }
      } catch (const std::exception& e) {
        BOOST_TEST_MESSAGE("thread " << t << ": " << e.what());
        ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_CHECK_EQUAL(failures.load(), 0);
  BOOST_CHECK_EQUAL(rt_test::count(shard, "rt_threads"), 100);
}

BOOST_AUTO_TEST_CASE(a_job_that_queries_its_own_shard_runs_inline) {
  grant::Runtime runtime{grant::test::config(1, 2000ms)};
  grant::Shard shard = runtime.shard("primary");
  grant::Shard other = runtime.shard("shard_1");
  // With a pool of one, queueing the inner query would wait for the outer job forever.
  auto outer = shard.run([&](grant::Connection&) {
    std::size_t same = shard.query("SELECT 1").size();
    std::size_t cross = other.query("SELECT 1").size();  // another shard: its own pool
    return same + cross;
  });
  BOOST_CHECK_EQUAL(outer.await_for(5s), 2u);
  BOOST_CHECK_EQUAL(shard.pool_stats().max_open_seen, 1u);
}

BOOST_AUTO_TEST_CASE(fibers_keep_running_while_a_query_waits,
                     *grant::test::only_if(&grant::test::Backend::server, "needs a server-side sleep statement")) {
  const std::string sleep = backend().sleep_sql(0.3);
  BOOST_REQUIRE(!sleep.empty());
  grant::Runtime runtime{grant::test::config(2)};
  grant::Shard shard = runtime.shard("primary");
  std::atomic<bool> done{false};
  int ticks = 0;
  auto sleeper = gf::spawn([&] {
    shard.query(sleep);
    done = true;
  });
  auto ticker = gf::spawn([&] {
    while (!done) {
      ++ticks;
      gf::sleep(10ms);
    }
  });
  sleeper.join();
  ticker.join();
  BOOST_CHECK_GE(ticks, 5);  // the thread was not blocked by the 300 ms statement
}

BOOST_AUTO_TEST_CASE(connection_failure_names_the_shard_and_hides_the_password) {
  grant::Config config = grant::test::config();
  config.add_shard("unreachable", "Driver={No Such Driver Grant};Server=127.0.0.1;Uid=u;PWD=hunter2secret");
  grant::Runtime runtime{config};
  grant::Shard shard = runtime.shard("unreachable");
  try {
    shard.query("SELECT 1");
    BOOST_ERROR("connecting to a missing driver succeeded");
  } catch (const grant::Error& e) {
    std::string m = e.what();
    BOOST_TEST_MESSAGE(m);
    BOOST_CHECK(m.find("unreachable") != std::string::npos);
    BOOST_CHECK(m.find("hunter2secret") == std::string::npos);
  }
  BOOST_CHECK_EQUAL(shard.pool_stats().open, 0u);
  // The pool is still usable (and still fails the same way, without hanging).
  BOOST_CHECK_THROW(shard.async_query("SELECT 1").await_for(5s), grant::Error);
  BOOST_CHECK_EQUAL(runtime.shard("primary").query("SELECT 1").size(), 1u);
}

BOOST_AUTO_TEST_CASE(destructor_drains_queued_jobs) {
  std::vector<grant::AsyncResult<std::int64_t>> results;
  {
    grant::Runtime runtime{grant::test::config(2)};
    grant::Shard shard = runtime.shard("primary");
    rt_test::make_table(shard, "rt_drain");
    for (int i = 0; i < 40; ++i)
      results.push_back(shard.async_exec("INSERT INTO rt_drain (name, n) VALUES (?, ?)", {"d", i}));
  }
  for (auto& r : results) {
    BOOST_REQUIRE(r.completed());
    BOOST_CHECK_EQUAL(r.await(), 1);
  }
  grant::Runtime runtime{grant::test::config(2)};
  BOOST_CHECK_EQUAL(rt_test::count(runtime.shard("primary"), "rt_drain"), 40);
}
