// Shard::transaction: commit, rollback, Rollback, savepoints, async ops inside, the failure
// rule, per-fiber context, plain threads, lost connections.
#define BOOST_TEST_MODULE test_transaction_shard
#include <boost/test/unit_test.hpp>

#include <grant/errors.hpp>
#include <grant/fiber.hpp>
#include <grant/runtime.hpp>

#include "tests/runtime_helpers.hpp"
#include "tests/support/backend.hpp"
#include "tests/support/skip.hpp"

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace gf = grant::fiber;
using grant::test::backend;
using rt_test::count;
using rt_test::insert;

namespace {
struct Fixture {
  grant::Runtime runtime;
  grant::Shard shard;
  explicit Fixture(const std::string& table, std::size_t pool = 2)
      : runtime(grant::test::config(pool, 3000ms)), shard(runtime.shard("primary")) {
    rt_test::make_table(shard, table);
  }
};
}  // namespace

// Pools of one here: a statement of the transaction's fiber that went anywhere but the
// transaction's own connection would wait for it and fail with PoolTimeout.
BOOST_AUTO_TEST_CASE(commit_on_return) {
  Fixture f("tx_commit", 1);
  f.shard.transaction([&] {
    insert(f.shard, "tx_commit", "a");
    insert(f.shard, "tx_commit", "b");
    BOOST_CHECK_EQUAL(count(f.shard, "tx_commit"), 2);
  });
  BOOST_CHECK_EQUAL(count(f.shard, "tx_commit"), 2);
}

BOOST_AUTO_TEST_CASE(rollback_and_rethrow_on_exception) {
  Fixture f("tx_throw");
  BOOST_CHECK_THROW(f.shard.transaction([&] {
    insert(f.shard, "tx_throw", "a");
    throw std::runtime_error("boom");
  }),
                    std::runtime_error);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_throw"), 0);
}

BOOST_AUTO_TEST_CASE(rollback_is_swallowed) {
  Fixture f("tx_rollback");
  BOOST_CHECK_NO_THROW(f.shard.transaction([&] {
    insert(f.shard, "tx_rollback", "a");
    throw grant::Rollback();
  }));
  BOOST_CHECK_EQUAL(count(f.shard, "tx_rollback"), 0);
}

BOOST_AUTO_TEST_CASE(nested_rollback_keeps_the_outer_work) {
  Fixture f("tx_nested", 1);
  f.shard.transaction([&] {
    insert(f.shard, "tx_nested", "outer");
    f.shard.transaction([&] {
      insert(f.shard, "tx_nested", "inner");
      BOOST_CHECK_EQUAL(count(f.shard, "tx_nested"), 2);
      throw grant::Rollback();
    });
    BOOST_CHECK_EQUAL(count(f.shard, "tx_nested"), 1);
    f.shard.transaction([&] { insert(f.shard, "tx_nested", "second inner"); });  // released, kept
  });
  BOOST_CHECK_EQUAL(count(f.shard, "tx_nested", "name = 'outer'"), 1);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_nested", "name = 'inner'"), 0);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_nested", "name = 'second inner'"), 1);
}

BOOST_AUTO_TEST_CASE(nested_exception_caught_by_the_outer_block) {
  Fixture f("tx_nested_throw");
  f.shard.transaction([&] {
    insert(f.shard, "tx_nested_throw", "a");
    try {
      f.shard.transaction([&] {
        insert(f.shard, "tx_nested_throw", "b");
        f.shard.transaction([&] { insert(f.shard, "tx_nested_throw", "c"); });  // three levels
        throw std::logic_error("inner");
      });
    } catch (const std::logic_error&) {
    }
    insert(f.shard, "tx_nested_throw", "d");
  });
  BOOST_CHECK_EQUAL(count(f.shard, "tx_nested_throw"), 2);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_nested_throw", "name IN ('a', 'd')"), 2);
}

BOOST_AUTO_TEST_CASE(async_op_inside_sees_the_uncommitted_row_and_others_do_not) {
  Fixture f("tx_async", 2);
  gf::Channel<int> inserted{1}, looked{1};
  std::int64_t outside_count = -1;
  auto outsider = gf::spawn([&] {
    inserted.receive();
    outside_count = count(f.shard, "tx_async");  // another fiber: not in the transaction
    looked.send(1);
  });
  f.shard.transaction([&] {
    insert(f.shard, "tx_async", "uncommitted");
    auto seen = f.shard.async_query("SELECT COUNT(*) FROM tx_async");
    BOOST_CHECK_EQUAL(seen.await().rows.at(0).at(0).as<std::int64_t>(), 1);
    inserted.send(1);
    looked.receive();
    throw grant::Rollback();
  });
  outsider.join();
  BOOST_CHECK_EQUAL(outside_count, 0);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_async"), 0);  // rolled back: gone
}

BOOST_AUTO_TEST_CASE(async_ops_not_awaited_run_before_commit) {
  Fixture f("tx_fire", 1);
  std::vector<grant::AsyncResult<std::int64_t>> results;
  f.shard.transaction([&] {
    for (int i = 0; i < 10; ++i) results.push_back(f.shard.async_exec("INSERT INTO tx_fire (name, n) VALUES (?, ?)", {"x", i}));
  });
  for (auto& r : results) {
    BOOST_CHECK(r.completed());
    BOOST_CHECK_EQUAL(r.await(), 1);
  }
  BOOST_CHECK_EQUAL(count(f.shard, "tx_fire"), 10);
  // In issue order: n grows with id.
  grant::Rows rows = f.shard.query("SELECT n FROM tx_fire ORDER BY id");
  for (std::size_t i = 0; i < rows.size(); ++i) BOOST_CHECK_EQUAL(rows.rows[i][0].as<std::int64_t>(), static_cast<std::int64_t>(i));
}

BOOST_AUTO_TEST_CASE(a_swallowed_statement_error_still_fails_the_transaction) {
  Fixture f("tx_poison");
  try {
    f.shard.transaction([&] {
      insert(f.shard, "tx_poison", "before");
      try {
        f.shard.exec("INSERT INTO tx_no_such_table (name) VALUES (?)", {"x"});
      } catch (const grant::DatabaseError&) {
        // swallowed by the user
      }
      insert(f.shard, "tx_poison", "after");
    });
    BOOST_ERROR("a transaction with a failed statement committed");
  } catch (const grant::DatabaseError& e) {
    BOOST_CHECK(std::string(e.what()).find("tx_no_such_table") != std::string::npos);
  }
  BOOST_CHECK_EQUAL(count(f.shard, "tx_poison"), 0);

  // An async op that fails, not awaited, poisons it too.
  BOOST_CHECK_THROW(f.shard.transaction([&] {
    insert(f.shard, "tx_poison", "before");
    f.shard.async_exec("UPDATE tx_no_such_table SET name = ?", {"y"});
  }),
                    grant::DatabaseError);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_poison"), 0);

  // Rollback on a poisoned transaction is still just a rollback.
  BOOST_CHECK_NO_THROW(f.shard.transaction([&] {
    try {
      f.shard.exec("DELETE FROM tx_no_such_table");
    } catch (const grant::DatabaseError&) {
    }
    throw grant::Rollback();
  }));
}

BOOST_AUTO_TEST_CASE(a_failed_savepoint_does_not_poison_the_outer_transaction) {
  Fixture f("tx_sp_fail");
  f.shard.transaction([&] {
    insert(f.shard, "tx_sp_fail", "kept");
    BOOST_CHECK_THROW(f.shard.transaction([&] {
      insert(f.shard, "tx_sp_fail", "dropped");
      f.shard.exec("INSERT INTO tx_no_such_table (name) VALUES (?)", {"x"});
    }),
                      grant::DatabaseError);
    insert(f.shard, "tx_sp_fail", "kept too");
  });
  BOOST_CHECK_EQUAL(count(f.shard, "tx_sp_fail"), 2);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_sp_fail", "name = 'dropped'"), 0);
}

BOOST_AUTO_TEST_CASE(transactions_on_two_shards_are_independent) {
  Fixture f("tx_two");
  grant::Shard other = f.runtime.shard("shard_1");
  rt_test::make_table(other, "tx_two");
  f.shard.transaction([&] {
    insert(f.shard, "tx_two", "primary");
    other.transaction([&] {
      insert(other, "tx_two", "shard_1");
      f.shard.transaction([&] { insert(f.shard, "tx_two", "primary nested"); });  // savepoint on primary
      throw grant::Rollback();
    });
  });
  BOOST_CHECK_EQUAL(count(f.shard, "tx_two"), 2);
  BOOST_CHECK_EQUAL(count(other, "tx_two"), 0);
}

BOOST_AUTO_TEST_CASE(transactions_from_plain_threads) {
  Fixture f("tx_threads", 3);
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        try {
          f.shard.transaction([&] {
            insert(f.shard, "tx_threads", std::string("t").append(std::to_string(t)), i);
            if (i % 5 == 4) throw grant::Rollback();  // every fifth rolls back
          });
        } catch (const std::exception& e) {
          BOOST_TEST_MESSAGE("thread " << t << ": " << e.what());
          ++failures;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  BOOST_CHECK_EQUAL(failures.load(), 0);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_threads"), 80);
}

BOOST_AUTO_TEST_CASE(transaction_inside_a_job_uses_the_job_connection) {
  Fixture f("tx_in_job", 1);
  auto job = f.shard.run([&](grant::Connection&) {
    f.shard.transaction([&] {
      insert(f.shard, "tx_in_job", "kept");
      f.shard.transaction([&] {
        insert(f.shard, "tx_in_job", "dropped");
        throw grant::Rollback();
      });
    });
    return count(f.shard, "tx_in_job");
  });
  BOOST_CHECK_EQUAL(job.await_for(5s), 1);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_in_job"), 1);
}

BOOST_AUTO_TEST_CASE(transaction_inside_a_job_that_began_its_own) {
  Fixture f("tx_job_began", 1);
  auto job = f.shard.run([&](grant::Connection& c) {
    c.begin();  // as the ORM does around a save with after-callbacks
    insert(f.shard, "tx_job_began", "job");
    f.shard.transaction([&] {  // a callback's transaction: a savepoint, not a second BEGIN
      insert(f.shard, "tx_job_began", "callback");
      throw grant::Rollback();
    });
    f.shard.transaction([&] { insert(f.shard, "tx_job_began", "callback kept"); });
    c.commit();
    return true;
  });
  BOOST_CHECK(job.await_for(5s));
  BOOST_CHECK_EQUAL(count(f.shard, "tx_job_began"), 2);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_job_began", "name = 'callback'"), 0);
}

BOOST_AUTO_TEST_CASE(connection_lost_inside_a_transaction_is_not_replayed,
                     *grant::test::only_if(&grant::test::Backend::server, "no server to end a connection on")) {
  Fixture f("tx_lost", 1);
  grant::Shard other = f.runtime.shard("shard_1");
  try {
    f.shard.transaction([&] {
      insert(f.shard, "tx_lost", "lost");
      auto id = f.shard.query(rt_test::connection_id_sql()).rows.at(0).at(0).as<std::int64_t>();
      other.query(rt_test::kill_sql(id));
      // The statement fails; psqlODBC may word it as "[HY000] internal SAVEPOINT failed"
      // rather than a connection error. Either way the transaction must end in ConnectionLost.
      BOOST_CHECK_THROW(insert(f.shard, "tx_lost", "after"), grant::DatabaseError);
    });
    BOOST_ERROR("the transaction committed after losing its connection");
  } catch (const grant::ConnectionLost& e) {
    BOOST_TEST_MESSAGE(e.what());
  }
  BOOST_CHECK_EQUAL(count(f.shard, "tx_lost"), 0);  // a fresh connection, nothing committed
}

BOOST_AUTO_TEST_CASE(fibers_on_two_threads_run_transactions_at_once) {
  Fixture f("tx_mixed", 3);
  std::atomic<int> failures{0};
  auto side = [&](int thread) {
    std::vector<gf::Fiber> fibers;
    for (int i = 0; i < 20; ++i) {
      fibers.push_back(gf::spawn([&, thread, i] {
        for (int round = 0; round < 5; ++round) {
          try {
            f.shard.transaction([&] {
              insert(f.shard, "tx_mixed", "m", thread * 1000 + i * 10 + round);
              // Sees its own row through an async op on the same connection.
              auto mine = f.shard.async_query("SELECT COUNT(*) FROM tx_mixed WHERE n = ?", {thread * 1000 + i * 10 + round});
              if (mine.await().rows.at(0).at(0).as<std::int64_t>() != 1) ++failures;
              if (round == 4) throw grant::Rollback();
            });
          } catch (const std::exception& e) {
            BOOST_TEST_MESSAGE(e.what());
            ++failures;
          }
        }
      }));
    }
    for (auto& fiber : fibers) fiber.join();
  };
  std::thread other([&] { side(1); });
  side(0);
  other.join();
  BOOST_CHECK_EQUAL(failures.load(), 0);
  BOOST_CHECK_EQUAL(count(f.shard, "tx_mixed"), 2 * 20 * 4);
  BOOST_CHECK_LE(f.shard.pool_stats().max_open_seen, 3u);
}
