// Locking: pessimistic lock() on queries and records (FOR UPDATE, NOWAIT, SKIP LOCKED; the
// write transaction on SQLite) and optimistic locking through a lock_version column.
// Same cases on every backend; those that need row locks are skipped on SQLite.
#define BOOST_TEST_MODULE test_model_locking
#include <boost/test/unit_test.hpp>

#include "tests/support/model_support.hpp"

#include <grant/grant.hpp>

#include <atomic>
#include <future>
#include <thread>

namespace {

struct Account : grant::Model<Account> {
  std::optional<std::int64_t> id;
  std::string owner;
  std::int64_t balance = 0;
  static auto schema() {
    return grant::Schema<Account>("accounts").primary_key().columns("owner", &Account::owner, "balance", &Account::balance);
  }
};

struct Doc : grant::Model<Doc> {
  std::optional<std::int64_t> id;
  std::string title;
  std::int64_t lock_version = 0;
  static auto schema() { return grant::Schema<Doc>("docs").primary_key().column("title", &Doc::title).lock_version(); }
};

struct Tables {
  Tables() {
    Account::migrator().drop_and_create();
    Doc::migrator().drop_and_create();
  }
};

bool has_row_locks() { return grant::test::backend().name != "sqlite"; }
boost::test_tools::assertion_result row_locks(boost::unit_test::test_unit_id) {
  boost::test_tools::assertion_result r(has_row_locks());
  r.message() << "no row locks on " << grant::test::backend().name << " (the write transaction stands in)";
  return r;
}

}  // namespace

using grant::test::SuiteRuntime;
BOOST_TEST_GLOBAL_FIXTURE(SuiteRuntime);
BOOST_FIXTURE_TEST_SUITE(pessimistic, Tables)

// 100 concurrent read-modify-write transactions on one row: with lock() none is lost.
// (On SQLite every transaction is a write transaction from BEGIN IMMEDIATE on.)
BOOST_AUTO_TEST_CASE(hundred_concurrent_increments_under_lock_lose_nothing) {
  const auto id = *Account::create_or_throw({{"owner", "ann"}, {"balance", std::int64_t{1000}}}).id;
  std::vector<std::thread> workers;
  std::atomic<int> failures{0};
  for (int i = 0; i < 100; ++i) {
    workers.emplace_back([&] {
      try {
        Account::transaction([&] {
          Account a = Account::query().lock().find_or_throw(id);
          a.balance += 1;
          a.save_or_throw();
        });
      } catch (const std::exception& e) {
        BOOST_TEST_MESSAGE("increment failed: " << e.what());
        ++failures;
      }
    });
  }
  for (auto& t : workers) t.join();
  BOOST_CHECK_EQUAL(failures.load(), 0);
  BOOST_CHECK_EQUAL(Account::find_or_throw(id).balance, 1100);
}

BOOST_AUTO_TEST_CASE(lock_adds_for_update_where_the_database_has_row_locks) {
  Account::create_or_throw({{"owner", "ann"}});
  grant::test::StatementLog log;
  Account::transaction([] {
    Account::query().lock().where({{"owner", "ann"}}).all();
    Account::query().lock(grant::LockMode::nowait).first();
    Account::query().lock(grant::LockMode::skip_locked).pluck<std::string>("owner");
  });
  auto selects = log.starting_with("SELECT");
  BOOST_REQUIRE_EQUAL(selects.size(), 3u);
  if (has_row_locks()) {
    BOOST_CHECK(selects[0].ends_with(" FOR UPDATE"));
    BOOST_CHECK(selects[1].ends_with(" FOR UPDATE NOWAIT"));
    BOOST_CHECK(selects[2].ends_with(" FOR UPDATE SKIP LOCKED"));
  } else {
    for (const auto& s : selects) BOOST_CHECK(s.find("FOR UPDATE") == std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(lock_outside_a_transaction_is_refused_before_any_sql) {
  const auto id = *Account::create_or_throw({{"owner", "ann"}}).id;
  grant::test::StatementLog log;
  try {
    Account::query().lock().find(id);
    BOOST_FAIL("lock() outside a transaction was accepted");
  } catch (const grant::Error& e) {
    const std::string what = e.what();
    BOOST_CHECK(what.find("Account") != std::string::npos);
    BOOST_CHECK(what.find("shard primary") != std::string::npos);
    BOOST_CHECK(what.find("SELECT") != std::string::npos);
  }
  BOOST_CHECK_THROW(Account::query().lock().async_all().await(), grant::Error);
  BOOST_CHECK_EQUAL(log.count(), 0u);
}

BOOST_AUTO_TEST_CASE(record_lock_rereads_and_with_lock_commits) {
  Account a = Account::create_or_throw({{"owner", "ann"}, {"balance", std::int64_t{5}}});
  Account::query().where({{"id", *a.id}}).update_all({{"balance", std::int64_t{7}}});
  a.balance = 99;  // unsaved: lock() replaces it with the stored value
  Account::transaction([&] {
    a.lock();
    BOOST_CHECK_EQUAL(a.balance, 7);
  });
  a.with_lock([&] {
    a.balance += 3;
    a.save_or_throw();
  });
  BOOST_CHECK_EQUAL(Account::find_or_throw(*a.id).balance, 10);
  BOOST_CHECK_THROW(a.with_lock([&] {
                      a.balance = 0;
                      a.save_or_throw();
                      throw std::runtime_error("changed my mind");
                    }),
                    std::runtime_error);
  BOOST_CHECK_EQUAL(Account::find_or_throw(*a.id).balance, 10);
}

// One transaction holds the row; another asks with NOWAIT / SKIP LOCKED.
BOOST_AUTO_TEST_CASE(nowait_fails_and_skip_locked_skips_a_held_row, *boost::unit_test::precondition(row_locks)) {
  const auto held = *Account::create_or_throw({{"owner", "held"}}).id;
  const auto free = *Account::create_or_throw({{"owner", "free"}}).id;
  std::promise<void> locked, release;
  std::thread holder([&] {
    Account::transaction([&] {
      Account::query().lock().find_or_throw(held);
      locked.set_value();
      release.get_future().wait();
    });
  });
  locked.get_future().wait();
  BOOST_CHECK_THROW(Account::transaction([&] { Account::query().lock(grant::LockMode::nowait).find(held); }),
                    grant::DatabaseError);
  std::vector<std::int64_t> seen;
  Account::transaction([&] {
    for (const auto& a : Account::query().lock(grant::LockMode::skip_locked).order("id").all()) seen.push_back(*a.id);
  });
  release.set_value();
  holder.join();
  BOOST_CHECK(seen == std::vector<std::int64_t>{free});
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_FIXTURE_TEST_SUITE(optimistic, Tables)

BOOST_AUTO_TEST_CASE(lock_version_is_checked_and_bumped_on_update) {
  Doc d = Doc::create_or_throw({{"title", "draft"}});
  BOOST_CHECK_EQUAL(d.lock_version, 0);
  grant::test::StatementLog log;
  d.title = "second";
  d.save_or_throw();
  BOOST_CHECK_EQUAL(d.lock_version, 1);
  auto updates = log.starting_with("UPDATE");
  BOOST_REQUIRE_EQUAL(updates.size(), 1u);
  BOOST_CHECK(updates[0].find(grant::test::quoted("lock_version") + " = ?") != std::string::npos);
  BOOST_CHECK_EQUAL(Doc::find_or_throw(*d.id).lock_version, 1);
  log.clear();
  BOOST_CHECK(d.save());  // nothing changed: no SQL, no bump
  BOOST_CHECK_EQUAL(log.count(), 0u);
  BOOST_CHECK_EQUAL(d.lock_version, 1);
}

BOOST_AUTO_TEST_CASE(the_loser_of_a_race_gets_stale_object) {
  Doc original = Doc::create_or_throw({{"title", "v0"}});
  Doc mine = Doc::find_or_throw(*original.id);
  Doc theirs = Doc::find_or_throw(*original.id);
  theirs.title = "theirs";
  theirs.save_or_throw();
  mine.title = "mine";
  try {
    mine.save();
    BOOST_FAIL("the stale save went through");
  } catch (const grant::StaleObject& e) {
    BOOST_CHECK_EQUAL(e.model(), "Doc");
    BOOST_CHECK_EQUAL(e.id(), std::to_string(*original.id));
    BOOST_CHECK_EQUAL(e.shard(), "primary");
    BOOST_CHECK(std::string(e.what()).find("UPDATE") != std::string::npos);
  }
  // Nothing was written and the record still says what it held before the attempt.
  BOOST_CHECK_EQUAL(Doc::find_or_throw(*original.id).title, "theirs");
  BOOST_CHECK_EQUAL(mine.lock_version, 0);
  BOOST_CHECK(mine.changed("title"));
  // The async form reports it too; after a reload the save goes through.
  BOOST_CHECK_THROW(mine.async_save_or_throw().await(), grant::StaleObject);
  mine.reload();
  mine.title = "mine";
  BOOST_CHECK(mine.save());
  BOOST_CHECK_EQUAL(Doc::find_or_throw(*original.id).lock_version, 2);
}

BOOST_AUTO_TEST_CASE(a_stale_destroy_deletes_nothing) {
  Doc d = Doc::create_or_throw({{"title", "keep"}});
  Doc other = Doc::find_or_throw(*d.id);
  other.title = "edited";
  other.save_or_throw();
  BOOST_CHECK_THROW(d.destroy(), grant::StaleObject);
  BOOST_CHECK(d.persisted());
  BOOST_CHECK_EQUAL(Doc::count(), 1);
  BOOST_CHECK(other.destroy());
  BOOST_CHECK_EQUAL(Doc::count(), 0);
}

BOOST_AUTO_TEST_SUITE_END()
