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

struct Tables {
  Tables() { Ledger::migrator().drop_and_create(); }
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

BOOST_AUTO_TEST_SUITE_END()
