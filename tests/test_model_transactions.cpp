// Model::transaction: commit, rollback on an exception, nested savepoints, and ORM
// operations (sync and async, saves with callbacks) inside a transaction.
#define BOOST_TEST_MODULE test_model_transactions
#include <boost/test/unit_test.hpp>

#include "tests/support/model_support.hpp"

#include <grant/grant.hpp>

namespace {

struct Ledger : grant::Model<Ledger> {
  std::optional<std::int64_t> id;
  std::string entry;
  std::int64_t amount = 0;
  static auto schema() {
    return grant::Schema<Ledger>("ledger").primary_key().columns("entry", &Ledger::entry, "amount", &Ledger::amount)
        .after_save([](Ledger& l) {
          if (l.amount < 0) throw std::runtime_error("negative amount");
        });
  }
};

// A callback that writes another model through the sync API: inside the job it runs inline
// on the job's connection, inside the save's transaction.
struct Audit : grant::Model<Audit> {
  std::optional<std::int64_t> id;
  std::string note;
  static auto schema() { return grant::Schema<Audit>("audits").primary_key().column("note", &Audit::note); }
};
struct Order : grant::Model<Order> {
  std::optional<std::int64_t> id;
  std::int64_t total = 0;
  static auto schema() {
    return grant::Schema<Order>("orders").primary_key().column("total", &Order::total)
        .after_create([](Order& o) {
          Audit::create_or_throw({{"note", "order " + std::to_string(*o.id)}});
          if (o.total < 0) throw std::runtime_error("refund not allowed");
        });
  }
};

struct Tables {
  Tables() {
    Ledger::migrator().drop_and_create();
    Audit::migrator().drop_and_create();
    Order::migrator().drop_and_create();
  }
};

std::vector<std::string> entries() { return Ledger::order("id").pluck<std::string>("entry"); }
using S = std::vector<std::string>;

}  // namespace

using grant::test::SuiteRuntime;
BOOST_TEST_GLOBAL_FIXTURE(SuiteRuntime);
BOOST_FIXTURE_TEST_SUITE(transactions, Tables)

BOOST_AUTO_TEST_CASE(commit_on_return) {
  Ledger::transaction([] {
    Ledger::create_or_throw({{"entry", "a"}});
    Ledger::create_or_throw({{"entry", "b"}});
    BOOST_CHECK_EQUAL(Ledger::count(), 2);  // sees its own writes
  });
  BOOST_CHECK(entries() == (S{"a", "b"}));
}

BOOST_AUTO_TEST_CASE(an_exception_rolls_back_everything) {
  BOOST_CHECK_THROW(Ledger::transaction([] {
                      Ledger::create_or_throw({{"entry", "a"}});
                      Ledger::transaction([] { Ledger::create_or_throw({{"entry", "inner"}}); });
                      throw std::runtime_error("boom");
                    }),
                    std::runtime_error);
  BOOST_CHECK_EQUAL(Ledger::count(), 0);
}

BOOST_AUTO_TEST_CASE(nested_inner_rollback_keeps_the_outer_row) {
  Ledger::transaction([] {
    Ledger::create_or_throw({{"entry", "outer"}});
    Ledger::transaction([] {
      Ledger::create_or_throw({{"entry", "inner"}});
      throw grant::Rollback();  // quiet: only the inner part goes
    });
    try {
      Ledger::transaction([] {
        Ledger::create_or_throw({{"entry", "inner 2"}});
        throw std::runtime_error("inner failure");
      });
    } catch (const std::runtime_error&) {
      // the outer transaction goes on
    }
    Ledger::create_or_throw({{"entry", "outer 2"}});
  });
  BOOST_CHECK(entries() == (S{"outer", "outer 2"}));
}

BOOST_AUTO_TEST_CASE(async_operations_inside_see_the_transaction) {
  Ledger::transaction([] {
    Ledger l;
    l.entry = "async";
    auto saved = l.async_save();
    auto count = Ledger::async_count();  // issued after the save: runs after it, on the same connection
    BOOST_CHECK(saved.await());
    BOOST_CHECK_EQUAL(count.await(), 1);
    BOOST_CHECK(l.persisted());
    throw grant::Rollback();
  });
  BOOST_CHECK_EQUAL(Ledger::count(), 0);
}

BOOST_AUTO_TEST_CASE(failing_after_callback_inside_a_transaction) {
  // on its own, a save whose after_save throws is undone
  Ledger bad;
  bad.entry = "bad";
  bad.amount = -1;
  BOOST_CHECK_THROW(bad.save(), std::runtime_error);
  BOOST_CHECK_EQUAL(Ledger::count(), 0);
  BOOST_CHECK(bad.new_record());
  // inside a transaction, the exception reaches the block, which rolls back
  BOOST_CHECK_THROW(Ledger::transaction([] {
                      Ledger::create_or_throw({{"entry", "good"}});
                      Ledger::create_or_throw({{"entry", "bad"}, {"amount", -5}});
                    }),
                    std::runtime_error);
  BOOST_CHECK_EQUAL(Ledger::count(), 0);
}

BOOST_AUTO_TEST_CASE(callbacks_write_other_models_in_the_same_transaction) {
  Order o = Order::create_or_throw({{"total", 5}});
  BOOST_CHECK_EQUAL(Audit::count(), 1);
  BOOST_CHECK_EQUAL(Audit::first_or_throw().note, "order " + std::to_string(*o.id));
  // the callback's own write is undone with the order's
  BOOST_CHECK_THROW(Order::create({{"total", -1}}), std::runtime_error);
  BOOST_CHECK_EQUAL(Order::count(), 1);
  BOOST_CHECK_EQUAL(Audit::count(), 1);
  // many at once, concurrently
  std::vector<Order> orders(20);
  std::vector<grant::AsyncResult<bool>> saves;
  for (auto& x : orders) {
    x.total = 1;
    saves.push_back(x.async_save());
  }
  for (auto& r : saves) BOOST_CHECK(r.await());
  BOOST_CHECK_EQUAL(Order::count(), 21);
  BOOST_CHECK_EQUAL(Audit::count(), 21);
}

BOOST_AUTO_TEST_SUITE_END()
