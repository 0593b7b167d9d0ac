// Models: declaration, migrator, create/save/update/destroy/reload, dirty tracking,
// timestamps, defaults, NULLs, column types, reserved words. Same cases on every backend.
#define BOOST_TEST_MODULE test_model_crud
#include <boost/test/unit_test.hpp>

#include "tests/support/model_support.hpp"

#include <grant/grant.hpp>

#include <chrono>
#include <thread>

namespace {

// A model in under 15 lines: the brief's bar.
struct Person : grant::Model<Person> {
  std::optional<std::int64_t> id;
  std::string name;
  std::optional<std::string> nickname;
  std::int64_t age = 0;
  bool active = true;
  std::optional<std::int64_t> rank;  // the database fills it in (DEFAULT 7) when unset
  std::optional<grant::Time> created_at, updated_at;
  static auto schema() {
    return grant::Schema<Person>("people").primary_key().timestamps()
        .columns("name", &Person::name, "nickname", &Person::nickname, "age", &Person::age, "active", &Person::active)
        .column("rank", &Person::rank).default_value(7);
  }
};

// Reserved words as table and column names.
struct Reserved : grant::Model<Reserved> {
  std::optional<std::int64_t> id;
  std::string key;
  std::int64_t order = 0;
  std::string select;
  static auto schema() {
    return grant::Schema<Reserved>("user").primary_key().columns("key", &Reserved::key, "order", &Reserved::order,
                                                                 "select", &Reserved::select);
  }
};

// A natural string key.
struct Country : grant::Model<Country> {
  std::string code;
  std::string name;
  static auto schema() {
    return grant::Schema<Country>("countries").primary_key("code", &Country::code).column("name", &Country::name);
  }
};

enum class Color : std::int32_t { red = 1, green = 2, blue = 3 };
enum class Mood { calm, angry };
std::string mood_text(Mood m) { return m == Mood::calm ? "calm" : "angry"; }
Mood mood_from(const std::string& s) { return s == "angry" ? Mood::angry : Mood::calm; }

struct Sample : grant::Model<Sample> {
  std::optional<std::int64_t> id;
  std::int32_t small = 0;
  double ratio = 0;
  std::string text;
  grant::Bytes blob;
  grant::Time at{};
  grant::Date day{};
  grant::Decimal amount{"0"};
  std::optional<grant::Decimal> maybe_amount;
  Color color = Color::red;
  Mood mood = Mood::calm;
  std::optional<Mood> maybe_mood;
  static auto schema() {
    return grant::Schema<Sample>("samples").primary_key()
        .columns("small", &Sample::small, "ratio", &Sample::ratio, "text", &Sample::text, "blob", &Sample::blob)
        .columns("at", &Sample::at, "day", &Sample::day, "amount", &Sample::amount, "maybe_amount", &Sample::maybe_amount)
        .column("color", &Sample::color)
        .column("mood", &Sample::mood, mood_text, mood_from)
        .column("maybe_mood", &Sample::maybe_mood, mood_text, mood_from);
  }
};

struct Tables {
  Tables() {
    Person::migrator().drop_and_create();
    Reserved::migrator().drop_and_create();
    Country::migrator().drop_and_create();
    Sample::migrator().drop_and_create();
  }
};

grant::Time now_us() { return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()); }

}  // namespace

using grant::test::SuiteRuntime;
BOOST_TEST_GLOBAL_FIXTURE(SuiteRuntime);
BOOST_FIXTURE_TEST_SUITE(crud, Tables)

BOOST_AUTO_TEST_CASE(create_find_and_persisted_flags) {
  Person p;
  BOOST_CHECK(p.new_record());
  BOOST_CHECK(!p.persisted());
  p.name = "Ann";
  p.age = 30;
  BOOST_REQUIRE(p.save());
  BOOST_CHECK(p.persisted());
  BOOST_CHECK(!p.new_record());
  BOOST_REQUIRE(p.id);
  BOOST_CHECK_EQUAL(p.shard_name(), "primary");

  auto found = Person::find(*p.id);
  BOOST_REQUIRE(found);
  BOOST_CHECK_EQUAL(found->name, "Ann");
  BOOST_CHECK_EQUAL(found->age, 30);
  BOOST_CHECK(found->persisted());
  BOOST_CHECK(!Person::find(*p.id + 1000));

  Person bob = Person::create({{"name", "Bob"}, {"age", 41}});
  BOOST_CHECK(bob.persisted());
  BOOST_CHECK(*bob.id != *p.id);
  BOOST_CHECK_EQUAL(Person::count(), 2);
}

BOOST_AUTO_TEST_CASE(unset_nullable_column_takes_the_database_default) {
  Person p = Person::create({{"name", "Defaulted"}});
  BOOST_CHECK(!p.rank);  // not read back by the insert...
  p.reload();            // ...but the row has it
  BOOST_REQUIRE(p.rank);
  BOOST_CHECK_EQUAL(*p.rank, 7);
  BOOST_CHECK(!p.nickname);

  Person q = Person::create({{"name", "Explicit"}, {"rank", 3}});
  BOOST_CHECK_EQUAL(*Person::find(*q.id)->rank, 3);
}

BOOST_AUTO_TEST_CASE(update_writes_only_changed_columns) {
  Person p = Person::create({{"name", "Cy"}, {"age", 20}});
  grant::test::StatementLog log;
  BOOST_CHECK(p.save());  // nothing changed: no SQL at all
  BOOST_CHECK(log.starting_with("UPDATE").empty());

  p.age = 21;
  BOOST_CHECK(p.changed() == std::vector<std::string>{"age"});
  auto changes = p.changes();
  BOOST_REQUIRE_EQUAL(changes.size(), 1u);
  BOOST_CHECK(changes["age"].first == grant::Value(20));
  BOOST_CHECK(changes["age"].second == grant::Value(21));
  BOOST_CHECK(p.save());
  auto updates = log.starting_with("UPDATE");
  BOOST_REQUIRE_EQUAL(updates.size(), 1u);
  BOOST_TEST_MESSAGE(updates[0]);
  BOOST_CHECK(updates[0].find(grant::test::quoted("age")) != std::string::npos);
  BOOST_CHECK(updates[0].find(grant::test::quoted("updated_at")) != std::string::npos);
  BOOST_CHECK(updates[0].find(grant::test::quoted("name")) == std::string::npos);
  BOOST_CHECK(updates[0].find(grant::test::quoted("active")) == std::string::npos);
  BOOST_CHECK(!p.has_changes());
  BOOST_CHECK_EQUAL(Person::find(*p.id)->age, 21);
}

BOOST_AUTO_TEST_CASE(timestamps_are_set_by_the_library) {
  const grant::Time before = now_us();
  Person p = Person::create({{"name", "Dee"}});
  BOOST_REQUIRE(p.created_at && p.updated_at);
  BOOST_CHECK(*p.created_at >= before - std::chrono::seconds(1));
  BOOST_CHECK(*p.created_at == *p.updated_at);
  auto stored = Person::find(*p.id);
  BOOST_CHECK(stored->created_at == p.created_at);  // microseconds survive the round trip

  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  const grant::Time created = *p.created_at;
  BOOST_REQUIRE(p.update({{"age", 5}}));
  BOOST_CHECK(*p.updated_at > created);
  BOOST_CHECK(*p.created_at == created);
  BOOST_CHECK(Person::find(*p.id)->updated_at == p.updated_at);
}

BOOST_AUTO_TEST_CASE(null_round_trips_and_update_to_null) {
  Person p = Person::create({{"name", "Eve"}, {"nickname", "evie"}});
  BOOST_CHECK_EQUAL(*Person::find(*p.id)->nickname, "evie");
  p.nickname.reset();
  grant::test::StatementLog log;
  BOOST_REQUIRE(p.save());
  BOOST_REQUIRE_EQUAL(log.starting_with("UPDATE").size(), 1u);
  BOOST_CHECK(log.starting_with("UPDATE")[0].find(grant::test::quoted("nickname")) != std::string::npos);
  BOOST_CHECK(!Person::find(*p.id)->nickname);
  BOOST_CHECK_EQUAL(Person::where({{"nickname", grant::null}}).count(), 1);
  BOOST_REQUIRE(p.update({{"nickname", grant::null}, {"age", 9}}));
  BOOST_CHECK(!Person::find(*p.id)->nickname);
}

BOOST_AUTO_TEST_CASE(update_assigns_by_name_and_unknown_names_throw) {
  Person p = Person::create({{"name", "Fay"}});
  BOOST_CHECK(p.update({{"name", "Faye"}, {"active", false}}));
  auto stored = Person::find(*p.id);
  BOOST_CHECK_EQUAL(stored->name, "Faye");
  BOOST_CHECK(!stored->active);

  BOOST_CHECK_THROW(p.update({{"nmae", "x"}}), grant::UnknownColumn);
  BOOST_CHECK_EQUAL(p.name, "Faye");  // nothing assigned
  BOOST_CHECK_THROW(Person::create({{"bogus", 1}}), grant::UnknownColumn);
  try {
    p.update_or_throw({{"nmae", "x"}});
    BOOST_FAIL("expected UnknownColumn");
  } catch (const grant::UnknownColumn& e) {
    BOOST_CHECK_EQUAL(e.model(), "Person");
    BOOST_CHECK_EQUAL(e.column(), "nmae");
  }
  BOOST_CHECK_THROW(p.update({{"age", "not a number"}}), grant::ConversionError);
}

BOOST_AUTO_TEST_CASE(destroy_and_reload) {
  Person p = Person::create({{"name", "Gus"}});
  Person other = *Person::find(*p.id);
  grant::test::shard().exec("UPDATE people SET age = 77 WHERE id = ?", {*p.id});
  other.reload();
  BOOST_CHECK_EQUAL(other.age, 77);
  BOOST_CHECK(!other.has_changes());

  BOOST_CHECK(p.destroy());
  BOOST_CHECK(p.destroyed());
  BOOST_CHECK(!p.persisted());
  BOOST_CHECK(!Person::find(*p.id));
  BOOST_CHECK(!p.destroy());                                   // already gone
  BOOST_CHECK(!other.destroy());                               // no row deleted
  BOOST_CHECK_THROW(other.destroy_or_throw(), grant::RecordNotDestroyed);
  BOOST_CHECK_THROW(other.reload(), grant::querying::NotFound);
  Person fresh;
  BOOST_CHECK(!fresh.destroy());
  BOOST_CHECK(!p.save());  // a destroyed record is not saved again
}

BOOST_AUTO_TEST_CASE(update_of_a_vanished_row_fails) {
  Person p = Person::create({{"name", "Hal"}});
  grant::test::shard().exec("DELETE FROM people WHERE id = ?", {*p.id});
  p.age = 3;
  BOOST_CHECK(!p.save());
  BOOST_CHECK(!p.errors().empty());
  BOOST_CHECK_THROW(p.save_or_throw(), grant::RecordNotSaved);
}

BOOST_AUTO_TEST_CASE(reserved_words_as_table_and_columns) {
  Reserved r;
  r.key = "k1";
  r.order = 2;
  r.select = "s";
  BOOST_REQUIRE(r.save());
  Reserved::create({{"key", "k2"}, {"order", 1}, {"select", "t"}});
  auto rows = Reserved::query().where({{"key", "k1"}}).order("order", grant::desc).all();
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_CHECK_EQUAL(rows[0].select, "s");
  BOOST_CHECK_EQUAL(Reserved::query().order("order").first()->key, "k2");
  BOOST_CHECK_EQUAL(Reserved::query().sum<std::int64_t>("order"), 3);
  BOOST_CHECK(Reserved::query().pluck<std::string>("select") == (std::vector<std::string>{"s", "t"}));
  r.select = "changed";
  BOOST_CHECK(r.save());
  BOOST_CHECK_EQUAL(Reserved::query().find(*r.id)->select, "changed");
  BOOST_CHECK_EQUAL(Reserved::query().group("order").count(), 2);
  BOOST_CHECK_EQUAL(Reserved::query().where({{"order", 2}}).delete_all(), 1);
}

BOOST_AUTO_TEST_CASE(natural_string_key) {
  Country fr;
  fr.code = "FR";
  fr.name = "France";
  BOOST_REQUIRE(fr.save());
  Country::create({{"code", "DE"}, {"name", "Germany"}});
  BOOST_CHECK_EQUAL(Country::find("FR")->name, "France");
  BOOST_CHECK_EQUAL(Country::last()->code, "FR");   // by key descending
  BOOST_CHECK_EQUAL(Country::first()->code, "DE");
  fr.name = "République française";
  BOOST_CHECK(fr.save());
  BOOST_CHECK_EQUAL(Country::find("FR")->name, "République française");
  fr.code = "FX";  // the key itself may change: the row is found by the old one
  BOOST_CHECK(fr.save());
  BOOST_CHECK(!Country::find("FR"));
  BOOST_CHECK(Country::find("FX"));
  BOOST_CHECK_THROW(Country::create_or_throw({{"code", "DE"}, {"name", "again"}}), grant::UniqueViolation);
}

BOOST_AUTO_TEST_CASE(column_types_round_trip) {
  const auto& b = grant::test::backend();
  Sample s;
  s.small = -123456;
  s.ratio = 0.25;
  s.text = "é and 🎉 and 'quotes'";
  s.blob.data = {0, 1, 2, 255, 0, 7};
  s.at = grant::parse_time("2024-03-31 01:30:00.123456");
  s.day = grant::parse_date("1999-12-31");
  s.amount = grant::Decimal{b.exact_decimal ? "12345.678901234" : "12.5"};
  s.color = Color::blue;
  s.mood = Mood::angry;
  BOOST_REQUIRE(s.save());
  Sample t = Sample::find_or_throw(*s.id);
  BOOST_CHECK_EQUAL(t.small, -123456);
  BOOST_CHECK_EQUAL(t.ratio, 0.25);
  BOOST_CHECK_EQUAL(t.text, s.text);
  BOOST_CHECK(t.blob == s.blob);
  BOOST_CHECK(t.at == s.at);
  BOOST_CHECK(t.day == s.day);
  BOOST_CHECK_EQUAL(t.amount.text, s.amount.text);
  BOOST_CHECK(!t.maybe_amount);
  BOOST_CHECK(t.color == Color::blue);
  BOOST_CHECK(t.mood == Mood::angry);
  BOOST_CHECK(!t.maybe_mood);
  // the enum-as-text column holds text; the plain enum its integer
  BOOST_CHECK_EQUAL(Sample::pick<std::string>("mood").value(), "angry");
  BOOST_CHECK_EQUAL(Sample::pick<std::int64_t>("color").value(), 3);
  BOOST_CHECK_EQUAL(Sample::where({{"mood", "angry"}}).count(), 1);
  t.maybe_mood = Mood::calm;
  BOOST_CHECK(t.save());
  BOOST_CHECK(Sample::find(*s.id)->maybe_mood == Mood::calm);
}

BOOST_AUTO_TEST_CASE(migrator_ddl_per_dialect) {
  auto sql = Person::migrator().create_sql(grant::dialect_for(grant::DialectKind::postgresql));
  BOOST_TEST_MESSAGE(sql);
  BOOST_CHECK(sql.find("\"id\" BIGSERIAL PRIMARY KEY") != std::string::npos);
  BOOST_CHECK(sql.find("\"name\" TEXT NOT NULL") != std::string::npos);
  BOOST_CHECK(sql.find("\"nickname\" TEXT,") != std::string::npos);  // optional -> NULL allowed
  BOOST_CHECK(sql.find("DEFAULT 7") != std::string::npos);
  auto lite = Reserved::migrator().create_sql(grant::dialect_for(grant::DialectKind::sqlite));
  BOOST_CHECK(lite.find("CREATE TABLE \"user\"") != std::string::npos);
  BOOST_CHECK(lite.find("\"order\" INTEGER NOT NULL") != std::string::npos);
  // create() on an existing table fails; drop() twice is fine
  BOOST_CHECK_THROW(Person::migrator().create(), grant::DatabaseError);
  Person::migrator().drop();
  Person::migrator().drop();
  BOOST_CHECK_THROW(Person::count(), grant::DatabaseError);
  Person::migrator().create();
  BOOST_CHECK_EQUAL(Person::count(), 0);
  // on another shard
  Person::migrator("shard_1").drop_and_create();
  BOOST_CHECK_EQUAL(Person::shard("shard_1").count(), 0);
  BOOST_CHECK_THROW(Person::migrator("nowhere").create(), grant::UnknownShard);
}

BOOST_AUTO_TEST_SUITE_END()
