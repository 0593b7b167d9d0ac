// Validations (presence, length, format, numericality, inclusion, exclusion, uniqueness,
// custom) and callbacks (documented order, abort, changes made by callbacks, transaction
// around after-callbacks).
#define BOOST_TEST_MODULE test_model_validations
#include <boost/test/unit_test.hpp>

#include "tests/support/model_support.hpp"

#include <grant/grant.hpp>

#include <mutex>

namespace {

struct Account : grant::Model<Account> {
  std::optional<std::int64_t> id;
  std::string email, name, role = "user";
  std::int64_t age = 20;
  std::optional<std::string> code;
  static auto schema() {
    return grant::Schema<Account>("accounts").primary_key()
        .columns("email", &Account::email, "name", &Account::name, "role", &Account::role, "age", &Account::age)
        .column("code", &Account::code)
        .validate("email", grant::presence{})
        .validate("email", grant::format("[^@ ]+@[^@ ]+"))
        .validate("email", grant::uniqueness{})
        .validate("name", grant::length{.min = 2, .max = 10})
        .validate("age", grant::numericality{.only_integer = true, .greater_than_or_equal_to = 0, .less_than = 150})
        .validate("role", grant::inclusion{.in = {"user", "admin"}})
        .validate("code", grant::length{.is = 3, .allow_null = true})
        .validate([](const Account& a, grant::Errors& e) {
          if (a.role == "admin" && a.age < 18) e.add("base", "admins must be adults");
        });
  }
};

// The callback log is shared with the worker threads that run the callbacks.
std::mutex log_mutex;
std::vector<std::string> log_lines;
void note(std::string s) {
  std::lock_guard lock(log_mutex);
  log_lines.push_back(std::move(s));
}
std::vector<std::string> take_log() {
  std::lock_guard lock(log_mutex);
  return std::exchange(log_lines, {});
}

struct Hooked : grant::Model<Hooked> {
  std::optional<std::int64_t> id;
  std::string name;
  bool block_save = false, block_destroy = false, block_validation = false, fail_after = false;
  static auto schema() {
    return grant::Schema<Hooked>("hooked").primary_key().column("name", &Hooked::name)
        .before_validation([](Hooked& h) { note("before_validation"); return !h.block_validation; })
        .after_validation([](Hooked&) { note("after_validation"); })
        .before_save([](Hooked& h) { note("before_save"); h.name += "!"; return !h.block_save; })
        .before_create([](Hooked&) { note("before_create"); })
        .after_create([](Hooked& h) { note("after_create " + std::to_string(h.id.value_or(-1) > 0)); })
        .before_update([](Hooked&) { note("before_update"); })
        .after_update([](Hooked&) { note("after_update"); })
        .after_save([](Hooked& h) {
          note("after_save");
          if (h.fail_after) throw std::runtime_error("after_save failed");
        })
        .before_destroy([](Hooked& h) { note("before_destroy"); return !h.block_destroy; })
        .after_destroy([](Hooked&) { note("after_destroy"); })
        .validate("name", grant::presence{});
  }
};

struct Tables {
  Tables() {
    Account::migrator().drop_and_create();
    Hooked::migrator().drop_and_create();
    take_log();
  }
};

Account valid_account(std::string email = "a@example.com") {
  Account a;
  a.email = std::move(email);
  a.name = "Ann";
  return a;
}

}  // namespace

using grant::test::SuiteRuntime;
BOOST_TEST_GLOBAL_FIXTURE(SuiteRuntime);
BOOST_FIXTURE_TEST_SUITE(validations, Tables)

BOOST_AUTO_TEST_CASE(valid_record_saves) {
  Account a = valid_account();
  BOOST_CHECK(a.valid());
  BOOST_CHECK(a.save());
  BOOST_CHECK(a.errors().empty());
}

BOOST_AUTO_TEST_CASE(failing_validation_leaves_no_row_and_lists_errors) {
  Account a;
  a.name = "A";
  a.age = -1;
  a.role = "root";
  a.code = "toolong";
  grant::test::StatementLog log;
  BOOST_CHECK(!a.save());
  BOOST_CHECK(log.starting_with("INSERT").empty());
  BOOST_CHECK(a.new_record());
  BOOST_CHECK(!a.id);
  BOOST_CHECK_EQUAL(Account::count(), 0);
  const auto msgs = a.errors().full_messages();
  for (const auto& m : msgs) BOOST_TEST_MESSAGE(m);
  auto has = [&](const std::string& m) { return std::find(msgs.begin(), msgs.end(), m) != msgs.end(); };
  BOOST_CHECK(has("email can't be blank"));
  BOOST_CHECK(has("email is invalid"));
  BOOST_CHECK(has("name is too short (minimum is 2 characters)"));
  BOOST_CHECK(has("age must be greater than or equal to 0"));
  BOOST_CHECK(has("role is not included in the list"));
  BOOST_CHECK(has("code is the wrong length (should be 3 characters)"));
  BOOST_CHECK(a.errors().on("email").size() == 2u);

  try {
    a.save_or_throw();
    BOOST_FAIL("expected RecordInvalid");
  } catch (const grant::RecordInvalid& e) {
    BOOST_CHECK(std::string(e.what()).find("email can't be blank") != std::string::npos);
    BOOST_CHECK_EQUAL(e.messages().size(), msgs.size());
  }
  BOOST_CHECK_EQUAL(a.errors().size(), msgs.size());  // errors() filled also when it throws
  BOOST_CHECK_EQUAL(Account::count(), 0);
  BOOST_CHECK_THROW(Account::create_or_throw({{"email", ""}}), grant::RecordInvalid);
  Account made = Account::create({{"email", ""}});
  BOOST_CHECK(!made.persisted());
  BOOST_CHECK(!made.errors().empty());
}

BOOST_AUTO_TEST_CASE(more_rules) {
  Account a = valid_account();
  a.name = "Ümlautnamé";  // 10 characters, 12 bytes: length counts characters
  BOOST_CHECK(a.valid());
  a.name = "Ümlautnamée";
  BOOST_CHECK(!a.valid());
  BOOST_CHECK(a.errors().on("name") == std::vector<std::string>{"is too long (maximum is 10 characters)"});
  a = valid_account();
  a.age = 150;
  BOOST_CHECK(!a.valid());
  BOOST_CHECK(a.errors().on("age") == std::vector<std::string>{"must be less than 150"});
  a = valid_account();
  a.role = "admin";
  a.age = 17;
  BOOST_CHECK(!a.valid());
  BOOST_CHECK(a.errors().full_messages() == std::vector<std::string>{"admins must be adults"});
  a.age = 18;
  BOOST_CHECK(a.valid());
  a.email = "   ";
  BOOST_CHECK(!a.valid());
  BOOST_CHECK(a.errors().on("email").front() == "can't be blank");
}

BOOST_AUTO_TEST_CASE(uniqueness_queries_in_the_job) {
  Account a = valid_account("u@example.com");
  BOOST_REQUIRE(a.save());
  Account b = valid_account("u@example.com");
  BOOST_CHECK(!b.save());
  BOOST_CHECK(b.errors().on("email") == std::vector<std::string>{"has already been taken"});
  // the record itself does not collide with its own row
  a.name = "Anna";
  BOOST_CHECK(a.save());
  b.email = "v@example.com";
  BOOST_CHECK(b.save());
  // and hostile text is just a value here too
  Account c = valid_account("x';DROP/**/TABLE/**/accounts;--@x");
  BOOST_CHECK(c.save());
  BOOST_CHECK_EQUAL(Account::count(), 3);
}

BOOST_AUTO_TEST_CASE(callbacks_run_in_the_documented_order) {
  Hooked h;
  h.name = "h";
  BOOST_REQUIRE(h.save());
  BOOST_CHECK(take_log() == (std::vector<std::string>{"before_validation", "after_validation", "before_save",
                                                      "before_create", "after_create 1", "after_save"}));
  BOOST_CHECK_EQUAL(h.name, "h!");  // a callback's change is kept in the caller's record...
  BOOST_CHECK_EQUAL(Hooked::find(*h.id)->name, "h!");  // ...and was written
  h.name = "i";
  BOOST_REQUIRE(h.save());
  BOOST_CHECK(take_log() == (std::vector<std::string>{"before_validation", "after_validation", "before_save",
                                                      "before_update", "after_update", "after_save"}));
  BOOST_REQUIRE(h.destroy());
  BOOST_CHECK(take_log() == (std::vector<std::string>{"before_destroy", "after_destroy"}));
}

BOOST_AUTO_TEST_CASE(before_callbacks_abort) {
  Hooked h;
  h.name = "x";
  h.block_save = true;
  grant::test::StatementLog log;
  BOOST_CHECK(!h.save());
  BOOST_CHECK(h.new_record());
  BOOST_CHECK(log.starting_with("INSERT").empty());
  BOOST_CHECK_THROW(h.save_or_throw(), grant::RecordNotSaved);
  BOOST_CHECK_EQUAL(Hooked::count(), 0);
  take_log();

  h.block_save = false;
  h.block_validation = true;
  BOOST_CHECK(!h.save());
  BOOST_CHECK(take_log() == std::vector<std::string>{"before_validation"});
  BOOST_CHECK_THROW(h.save_or_throw(), grant::RecordNotSaved);

  h.block_validation = false;
  BOOST_REQUIRE(h.save());
  h.block_destroy = true;
  BOOST_CHECK(!h.destroy());
  BOOST_CHECK_THROW(h.destroy_or_throw(), grant::RecordNotDestroyed);
  BOOST_CHECK_EQUAL(Hooked::count(), 1);
  BOOST_CHECK(h.persisted());
}

BOOST_AUTO_TEST_CASE(an_exception_in_an_after_callback_undoes_the_write) {
  Hooked h;
  h.name = "boom";
  h.fail_after = true;
  BOOST_CHECK_THROW(h.save(), std::runtime_error);
  BOOST_CHECK_EQUAL(Hooked::count(), 0);
  BOOST_CHECK(h.new_record());  // the record says what the database says
  BOOST_CHECK(!h.id);
  h.fail_after = false;
  BOOST_CHECK(h.save());
  BOOST_CHECK_EQUAL(Hooked::count(), 1);
}

BOOST_AUTO_TEST_SUITE_END()
