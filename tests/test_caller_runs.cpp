// Where a statement runs: a sync call from a thread that may block runs on that thread; a
// call from a fiber with siblings is handed off and never blocks them; an await() that
// takes a still-queued op and a worker never both run it; transactions keep their rules on
// both paths; threads that ran a transaction leave no memory behind.
#define BOOST_TEST_MODULE test_caller_runs
#include <boost/test/unit_test.hpp>

#include <grant/errors.hpp>
#include <grant/fiber.hpp>
#include <grant/runtime.hpp>

#include "tests/runtime_helpers.hpp"
#include "tests/support/backend.hpp"
#include "tests/support/connection_holder.hpp"

#include <malloc.h>

#include <atomic>
#include <chrono>
#include <mutex>
#include <set>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace gf = grant::fiber;
using grant::test::backend;

namespace {

// Records the thread of every statement whose SQL contains `marker`.
struct ThreadLog {
  grant::Runtime& runtime;
  std::size_t id;
  std::mutex mutex;
  std::vector<std::thread::id> threads;
  ThreadLog(grant::Runtime& r, std::string marker) : runtime(r) {
    id = runtime.add_statement_hook([this, marker](const grant::StatementEvent& e) {
      if (e.sql.find(marker) == std::string::npos) return;
      std::lock_guard lock(mutex);
      threads.push_back(e.thread);
    });
  }
  ~ThreadLog() { runtime.remove_statement_hook(id); }
  std::vector<std::thread::id> seen() {
    std::lock_guard lock(mutex);
    return threads;
  }
};

// A statement that keeps the database busy for a noticeable time (about 0.3 s or more):
// the backend's sleep, or on SQLite a recursive CTE that counts to a few million.
std::string slow_sql() {
  std::string sleep = backend().sleep_sql(0.3);
  if (!sleep.empty()) return sleep;
  return "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 400000) SELECT COUNT(*) FROM c";
}

}  // namespace

BOOST_AUTO_TEST_CASE(a_sync_call_from_a_plain_thread_runs_on_that_thread) {
  grant::Runtime runtime{grant::test::config(2)};
  grant::Shard shard = runtime.shard("primary");
  ThreadLog log(runtime, "caller_runs_marker");
  shard.query("SELECT 1 AS caller_runs_marker");
  std::thread::id other_id;
  std::thread other([&] {
    other_id = std::this_thread::get_id();
    shard.query("SELECT 2 AS caller_runs_marker");
  });
  other.join();
  auto seen = log.seen();
  BOOST_REQUIRE_EQUAL(seen.size(), 2u);
  BOOST_CHECK(seen[0] == std::this_thread::get_id());
  BOOST_CHECK(seen[1] == other_id);
}

BOOST_AUTO_TEST_CASE(an_async_call_starts_on_a_worker_before_it_is_awaited) {
  grant::Runtime runtime{grant::test::config(2)};
  grant::Shard shard = runtime.shard("primary");
  ThreadLog log(runtime, "async_marker");
  auto result = shard.async_query("SELECT 1 AS async_marker");
  auto until = std::chrono::steady_clock::now() + 10s;
  while (!result.completed() && std::chrono::steady_clock::now() < until) std::this_thread::sleep_for(1ms);
  BOOST_REQUIRE(result.completed());  // nobody awaited it: a worker ran it
  BOOST_CHECK_EQUAL(result.await().size(), 1u);
  auto seen = log.seen();
  BOOST_REQUIRE_EQUAL(seen.size(), 1u);
  BOOST_CHECK(seen[0] != std::this_thread::get_id());
}

BOOST_AUTO_TEST_CASE(a_sync_call_from_a_fiber_with_siblings_does_not_block_them) {
  grant::Runtime runtime{grant::test::config(2, 10000ms)};
  grant::Shard shard = runtime.shard("primary");
  const std::string sql = slow_sql();
  ThreadLog log(runtime, sql.substr(0, 20));
  std::atomic<bool> done{false};
  int ticks_during = 0;
  auto started = std::chrono::steady_clock::now();
  std::chrono::steady_clock::duration took{};
  auto slow = gf::spawn([&] {
    shard.query(sql);
    took = std::chrono::steady_clock::now() - started;
    done = true;
  });
  auto ticker = gf::spawn([&] {
    while (!done) {
      ++ticks_during;
      gf::sleep(5ms);
    }
  });
  slow.join();
  ticker.join();
  BOOST_TEST_MESSAGE("slow statement took " << std::chrono::duration_cast<std::chrono::milliseconds>(took).count()
                                            << " ms, sibling ticked " << ticks_during << " times");
  BOOST_CHECK(took >= 100ms);        // it was slow enough to matter
  BOOST_CHECK_GE(ticks_during, 5);  // and the sibling kept running meanwhile (blocked: 1 or 2)
  auto seen = log.seen();
  BOOST_REQUIRE_EQUAL(seen.size(), 1u);
  BOOST_CHECK(seen[0] != std::this_thread::get_id());
}

BOOST_AUTO_TEST_CASE(the_main_fiber_with_a_live_sibling_hands_off) {
  grant::Runtime runtime{grant::test::config(2)};
  grant::Shard shard = runtime.shard("primary");
  ThreadLog log(runtime, "sibling_marker");
  gf::Channel<int> go{1};
  auto waiting = gf::spawn([&] { go.receive(); });  // suspended, not ready: still a sibling
  shard.query("SELECT 1 AS sibling_marker");
  go.send(1);
  waiting.join();
  shard.query("SELECT 2 AS sibling_marker");  // no sibling left: runs here again
  auto seen = log.seen();
  BOOST_REQUIRE_EQUAL(seen.size(), 2u);
  BOOST_CHECK(seen[0] != std::this_thread::get_id());
  BOOST_CHECK(seen[1] == std::this_thread::get_id());
}

BOOST_AUTO_TEST_CASE(an_await_that_takes_a_queued_op_and_a_worker_never_both_run_it) {
  grant::Runtime runtime{grant::test::config(2)};
  grant::Shard shard = runtime.shard("primary");
  constexpr int threads = 4, per_thread = 1500, batch = 30;
  std::vector<std::atomic<int>> runs(threads * per_thread);
  std::atomic<int> on_caller{0}, on_worker{0}, wrong{0};
  auto before = runtime.metrics();
  std::vector<std::thread> callers;
  for (int t = 0; t < threads; ++t) {
    callers.emplace_back([&, t] {
      auto me = std::this_thread::get_id();
      for (int start = 0; start < per_thread; start += batch) {
        std::vector<grant::AsyncResult<int>> pending;
        for (int i = start; i < start + batch; ++i) {
          int k = t * per_thread + i;
          pending.push_back(shard.run([&, k, me](grant::Connection&) {
            runs[k].fetch_add(1);
            (std::this_thread::get_id() == me ? on_caller : on_worker).fetch_add(1);
            return k;
          }));
        }
        if ((start / batch) % 5 == 0) {
          // Leave every fifth batch to the workers for a while: both paths must be taken.
          auto until = std::chrono::steady_clock::now() + 5s;
          while (!pending.back().completed() && std::chrono::steady_clock::now() < until)
            std::this_thread::sleep_for(100us);
        }
        for (int i = 0; i < batch; ++i)
          if (pending[i].await() != t * per_thread + start + i) ++wrong;
      }
    });
  }
  for (auto& c : callers) c.join();
  int not_once = 0;
  for (auto& r : runs)
    if (r.load() != 1) ++not_once;
  BOOST_TEST_MESSAGE("ran on the awaiting thread: " << on_caller << ", on a worker: " << on_worker);
  BOOST_CHECK_EQUAL(not_once, 0);
  BOOST_CHECK_EQUAL(wrong.load(), 0);
  BOOST_CHECK_EQUAL(on_caller + on_worker, threads * per_thread);
  BOOST_CHECK_GT(on_caller.load(), 0);  // both paths were exercised
  BOOST_CHECK_GT(on_worker.load(), 0);
  auto after = runtime.metrics();
  BOOST_CHECK_EQUAL(after.ops_completed - before.ops_completed, std::uint64_t(threads * per_thread));
  BOOST_CHECK_EQUAL(shard.pool_stats().queued, 0u);
}

BOOST_AUTO_TEST_CASE(a_sync_op_that_queries_its_own_shard_runs_inline_on_the_caller) {
  grant::Runtime runtime{grant::test::config(1, 2000ms)};
  grant::Shard shard = runtime.shard("primary");
  auto inner_thread = std::thread::id{};
  auto n = shard
               .run(
                   [&](grant::Connection&) {
                     inner_thread = std::this_thread::get_id();
                     return shard.query("SELECT 1").size();  // a pool of one: queued, it would wait for itself
                   },
                   false)
               .await();
  BOOST_CHECK_EQUAL(n, 1u);
  BOOST_CHECK(inner_thread == std::this_thread::get_id());
  BOOST_CHECK_EQUAL(shard.pool_stats().max_open_seen, 1u);
}

BOOST_AUTO_TEST_CASE(a_plain_thread_waits_for_a_connection_and_times_out) {
  grant::Runtime runtime{grant::test::config(1, 150ms)};
  grant::Shard shard = runtime.shard("primary");
  grant::test::ConnectionHolder holder{shard};
  BOOST_CHECK_EQUAL(shard.pool_stats().busy, 1u);
  auto started = std::chrono::steady_clock::now();
  BOOST_CHECK_THROW(shard.query("SELECT 1"), grant::PoolTimeout);
  auto waited = std::chrono::steady_clock::now() - started;
  BOOST_CHECK(waited >= 150ms);
  BOOST_CHECK(waited < 3s);
  BOOST_CHECK_THROW(shard.transaction([] {}), grant::PoolTimeout);
  holder.release();
  BOOST_CHECK_EQUAL(shard.query("SELECT 1").size(), 1u);  // the connection came back
  BOOST_CHECK_EQUAL(shard.pool_stats().waiting, 0u);
}

namespace {
// The transaction rules, run from whatever context calls it. Pool of one: a statement of
// the transaction that went anywhere but its connection would time out.
void transaction_rules(grant::Shard& shard, const std::string& table) {
  shard.transaction([&] {
    rt_test::insert(shard, table, "a");
    // An async op inside sees the uncommitted row; one never awaited runs before COMMIT.
    BOOST_CHECK_EQUAL(shard.async_query("SELECT COUNT(*) FROM " + table).await().rows.at(0).at(0).as<std::int64_t>(), 1);
    (void)shard.async_exec("INSERT INTO " + table + " (name, n) VALUES (?, ?)", {"not awaited", 2});
    shard.transaction([&] {  // savepoint, rolled back
      rt_test::insert(shard, table, "inner");
      throw grant::Rollback();
    });
    shard.transaction([&] { rt_test::insert(shard, table, "kept"); });  // savepoint, released
  });
  BOOST_CHECK_EQUAL(rt_test::count(shard, table), 3);
  BOOST_CHECK_EQUAL(rt_test::count(shard, table, "name = 'inner'"), 0);
  BOOST_CHECK_EQUAL(rt_test::count(shard, table, "name = 'not awaited'"), 1);
  BOOST_CHECK_THROW(shard.transaction([&] {
    rt_test::insert(shard, table, "gone");
    throw std::runtime_error("boom");
  }),
                    std::runtime_error);
  BOOST_CHECK_EQUAL(rt_test::count(shard, table, "name = 'gone'"), 0);
}
}  // namespace

BOOST_AUTO_TEST_CASE(transactions_on_the_callers_thread) {
  grant::Runtime runtime{grant::test::config(1, 3000ms)};
  grant::Shard shard = runtime.shard("primary");
  rt_test::make_table(shard, "cr_tx_here");
  ThreadLog log(runtime, "cr_tx_here");
  transaction_rules(shard, "cr_tx_here");
  int elsewhere = 0;
  for (auto id : log.seen())
    if (id != std::this_thread::get_id()) ++elsewhere;
  BOOST_CHECK_EQUAL(elsewhere, 0);
}

BOOST_AUTO_TEST_CASE(transactions_from_a_fiber_with_siblings) {
  grant::Runtime runtime{grant::test::config(1, 3000ms)};
  grant::Shard shard = runtime.shard("primary");
  rt_test::make_table(shard, "cr_tx_fiber");
  ThreadLog log(runtime, "cr_tx_fiber");
  std::atomic<bool> done{false};
  int ticks = 0;
  auto ticker = gf::spawn([&] {
    while (!done) {
      ++ticks;
      gf::sleep(1ms);
    }
  });
  auto worker = gf::spawn([&] {
    transaction_rules(shard, "cr_tx_fiber");
    done = true;
  });
  worker.join();
  ticker.join();
  int here = 0;
  for (auto id : log.seen())
    if (id == std::this_thread::get_id()) ++here;
  BOOST_CHECK_EQUAL(here, 0);  // every statement was handed off
  BOOST_CHECK_GT(ticks, 0);
}

BOOST_AUTO_TEST_CASE(a_transaction_that_spawns_fibers_stops_blocking_its_thread) {
  grant::Runtime runtime{grant::test::config(2, 10000ms)};
  grant::Shard shard = runtime.shard("primary");
  rt_test::make_table(shard, "cr_tx_spawn");
  const std::string sql = slow_sql();
  std::atomic<bool> done{false};
  int ticks = 0;
  gf::Fiber ticker;
  shard.transaction([&] {
    rt_test::insert(shard, "cr_tx_spawn", "before");  // on this thread
    ticker = gf::spawn([&] {
      while (!done) {
        ++ticks;
        gf::sleep(5ms);
      }
    });
    shard.query(sql);  // now the transaction's statements go to a worker: the ticker runs
    done = true;
    rt_test::insert(shard, "cr_tx_spawn", "after");
    BOOST_CHECK_EQUAL(rt_test::count(shard, "cr_tx_spawn"), 2);
  });
  ticker.join();
  BOOST_CHECK_GE(ticks, 5);  // blocked for the statement, it would tick once or twice
  BOOST_CHECK_EQUAL(rt_test::count(shard, "cr_tx_spawn"), 2);
  BOOST_CHECK_EQUAL(shard.pool_stats().busy, 0u);
}

namespace {
std::size_t heap_in_use() { return mallinfo2().uordblks; }
}  // namespace

BOOST_AUTO_TEST_CASE(short_lived_threads_that_run_transactions_leave_no_memory_behind) {
  grant::Runtime runtime{grant::test::config(2)};
  grant::Shard shard = runtime.shard("primary");
  rt_test::make_table(shard, "cr_leak");
  auto one_thread = [&] {
    std::thread t([&] {
      shard.transaction([&] { shard.query("SELECT COUNT(*) FROM cr_leak"); });
    });
    t.join();
  };
  for (int i = 0; i < 200; ++i) one_thread();  // warm up: pool, statement cache, allocator arenas
  malloc_trim(0);
  std::size_t before = heap_in_use();
  constexpr int threads = 3000;
  for (int i = 0; i < threads; ++i) one_thread();
  malloc_trim(0);
  std::size_t after = heap_in_use();
  long long grown = static_cast<long long>(after) - static_cast<long long>(before);
  BOOST_TEST_MESSAGE("heap in use before " << before << " B, after " << threads << " threads " << after << " B");
  // A leak of even 100 bytes per thread is 300 KB here; allow a quarter of that for noise.
  BOOST_CHECK_LT(grown, 75 * 1024);
}
