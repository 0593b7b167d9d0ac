// Names in the query API: every position that takes a column or association name checks
// it against the schema before any statement is sent, and quotes it; raw SQL only through
// grant::raw(...) and the '?' fragment forms. A table of hostile names goes through every
// name position (UnknownColumn / UnknownAssociation, zero statements, a canary table
// intact); positive cases show that joined table.column names, grant::raw in each raw
// position and the "did you mean" text work, and that database errors name the model
// operation. Same cases on every backend.
#define BOOST_TEST_MODULE test_names
#include <boost/test/unit_test.hpp>

#include "tests/support/model_support.hpp"

#include <grant/grant.hpp>

#include <functional>

namespace {

struct Note;

struct Item : grant::Model<Item> {
  std::optional<std::int64_t> id;
  std::string name;
  std::int64_t qty = 0;
  double price = 0;
  static auto schema() {
    return grant::Schema<Item>("name_items").primary_key()
        .columns("name", &Item::name, "qty", &Item::qty, "price", &Item::price)
        .has_many<Note>("notes", "item_id");
  }
};

struct Note : grant::Model<Note> {
  std::optional<std::int64_t> id;
  std::int64_t item_id = 0;
  std::string body;
  static auto schema() {
    return grant::Schema<Note>("name_notes").primary_key()
        .columns("item_id", &Note::item_id, "body", &Note::body)
        .belongs_to<Item>("item", "item_id");
  }
};

std::int64_t canary_rows() {
  return grant::test::shard().query("SELECT COUNT(*) FROM name_canary").rows.at(0).at(0).as<std::int64_t>();
}

/// Items a (qty 1), b (qty 2), c (qty 3); notes on a (2) and b (1); a canary table of 3 rows.
struct Data {
  Data() {
    Item::migrator().drop_and_create();
    Note::migrator().drop_and_create();
    auto s = grant::test::shard();
    s.exec("DROP TABLE IF EXISTS name_canary");
    s.exec("CREATE TABLE name_canary (id INTEGER NOT NULL PRIMARY KEY, note VARCHAR(20))");
    for (int i = 1; i <= 3; ++i) s.exec("INSERT INTO name_canary (id, note) VALUES (?, ?)", {i, "alive"});
    const char* names[] = {"a", "b", "c"};
    for (int i = 0; i < 3; ++i) ids.push_back(*Item::create_or_throw({{"name", names[i]}, {"qty", i + 1}, {"price", 1.5 * (i + 1)}}).id);
    Note::create_or_throw({{"item_id", ids[0]}, {"body", "a1"}});
    Note::create_or_throw({{"item_id", ids[0]}, {"body", "a2"}});
    Note::create_or_throw({{"item_id", ids[1]}, {"body", "b1"}});
    first = Item::find_or_throw(ids[0]);
  }
  std::vector<std::int64_t> ids;
  Item first;  ///< loaded before any statement is counted
};

struct Suite;
Suite* suite = nullptr;
struct Suite : grant::test::SuiteRuntime {
  Suite() {
    data = std::make_unique<Data>();
    suite = this;
  }
  std::unique_ptr<Data> data;
};
BOOST_TEST_GLOBAL_FIXTURE(Suite);

const std::vector<std::string> hostile_names = {
    // statement separators and comments
    "1=1; DROP TABLE name_canary; SELECT 1 WHERE 1",
    "id; DROP TABLE name_canary",
    "id -- comment",
    "id --",
    "id /* comment */",
    "/**/id",
    // quotes of every dialect, and breaking out of them
    "id'",
    "'id'",
    "\"id\"",
    "`id`",
    "name\" = \"name\" OR \"id",
    "name` = `name` OR `id",
    "x'; DROP TABLE name_canary; --",
    // expressions
    "id = id OR id",
    "OR 1=1",
    "id OR 1=1",
    "qty > 0",
    "COUNT(*)",
    "LOWER(name)",
    "*",
    "name_items.*",
    "name_items.id; DROP TABLE name_canary",
    "name_canary.id",
    "notes.body",  // an association that is not joined
    // unicode look-alikes: Cyrillic a in "name", full-width "id", zero-width space
    "n\xD0\xB0me",
    "\xEF\xBD\x89\xEF\xBD\x84",
    "id\xE2\x80\x8B",
    // whitespace, case, backslashes, empty
    "id ",
    " id",
    "id\t",
    "ID",
    "Name",
    "Notes",
    "notes ",
    "id\\",
    "\\\"id",
    "",
    " ",
};

/// One name position: `run(name)` runs a complete operation with `name` there.
struct Position {
  std::string label;
  bool association = false;  ///< takes an association name (UnknownAssociation)
  bool sends_sql = true;     ///< with a valid name, the operation runs a statement
  std::function<void(const std::string&)> run;
};

std::vector<Position> positions() {
  using grant::Operand;
  std::vector<Position> p = {
      {"where({{k, v}})", false, true, [](const std::string& n) { Item::where({{n, 1}}).count(); }},
      {"where({{k, list}})", false, true, [](const std::string& n) { Item::where({{n, std::vector<int>{1, 2}}}).count(); }},
      {"where(col, op, v)", false, true, [](const std::string& n) { Item::where(n, grant::gt, 1).count(); }},
      {"where(col, in, list)", false, true, [](const std::string& n) { Item::where(n, grant::in, std::vector<int>{1}).all(); }},
      {"or_where({{k, v}})", false, true, [](const std::string& n) { Item::where({{"qty", 1}}).or_where({{n, 1}}).count(); }},
      {"or_where(col, op, v)", false, true, [](const std::string& n) { Item::where({{"qty", 1}}).or_where(n, grant::eq, 1).count(); }},
      {"where_not({{k, v}})", false, true, [](const std::string& n) { Item::where_not({{n, 1}}).count(); }},
      {"where_not(col, op, v)", false, true, [](const std::string& n) { Item::query().where_not(n, grant::lt, 1).count(); }},
      {"find_by", false, true, [](const std::string& n) { Item::find_by({{n, 1}}); }},
      {"find_by_or_throw", false, true, [](const std::string& n) { Item::where({{"qty", 1}}).find_by_or_throw({{n, 1}}); }},
      {"exists(conditions)", false, true, [](const std::string& n) { Item::exists({{n, 1}}); }},
      {"order(col, dir)", false, true, [](const std::string& n) { Item::order(n, grant::desc).all(); }},
      {"order(list)", false, true, [](const std::string& n) { Item::order(n).first(); }},
      {"order(list, 2nd item)", false, true, [](const std::string& n) { Item::order("qty DESC, " + n).last(); }},
      {"group", false, true, [](const std::string& n) { Item::group(n).count(); }},
      {"select", false, true, [](const std::string& n) { Item::select(n).all(); }},
      {"select(2nd)", false, true, [](const std::string& n) { Item::select("id", n).rows(); }},
      {"pluck", false, true, [](const std::string& n) { Item::pluck(n); }},
      {"pick", false, true, [](const std::string& n) { Item::pick(n); }},
      {"sum", false, true, [](const std::string& n) { Item::sum(n); }},
      {"avg", false, true, [](const std::string& n) { Item::avg(n); }},
      {"min", false, true, [](const std::string& n) { Item::min(n); }},
      {"max", false, true, [](const std::string& n) { Item::max(n); }},
      {"async_count where", false, true, [](const std::string& n) { Item::where({{n, 1}}).async_count().await(); }},
      {"async_pluck", false, true, [](const std::string& n) { Item::async_pluck(n).await(); }},
      {"async_sum", false, true, [](const std::string& n) { Item::async_sum(n).await(); }},
      {"joined table.column", false, true,
       [](const std::string& n) { Item::joins("notes").where({{"name_notes." + n, 1}}).count(); }},
      {"joined association.column", false, true,
       [](const std::string& n) { Item::joins("notes").pluck("notes." + n); }},
      {"update_all keys", false, true, [](const std::string& n) { Item::where("qty", grant::lt, 0).update_all({{n, 1}}); }},
      {"create keys", false, true,
       [](const std::string& n) { Item::create({{"name", "created"}, {n, 1}}).destroy(); }},
      {"record.update keys", false, true, [](const std::string& n) {
         Item i = suite->data->first;
         i.update({{n, i.qty}});
         i.update({{"qty", i.qty + 1}});  // a valid update, so that the positive control writes
         i.update({{"qty", i.qty - 1}});
       }},
      {"record.assign keys", false, false, [](const std::string& n) {
         Item i;
         i.assign({{n, 1}});
       }},
      {"record.get", false, false, [](const std::string& n) { Item().get(n); }},
      {"joins", true, true, [](const std::string& n) { Item::joins(n).count(); }},
      {"includes", true, true, [](const std::string& n) { Item::includes(n).all(); }},
      {"related", true, true, [](const std::string& n) { suite->data->first.related<Note>(n).count(); }},
  };
  return p;
}

/// A valid name for a position (what the positive control runs).
std::string valid_name(const Position& p) {
  if (p.association) return "notes";
  if (p.label.starts_with("joined")) return "body";
  return "qty";
}

}  // namespace

BOOST_AUTO_TEST_CASE(valid_names_run_and_are_counted) {
  // The control for the zero-statement checks below: the same operations with a valid
  // name run and the hook sees their statements.
  for (const auto& p : positions()) {
    BOOST_TEST_CONTEXT(p.label) {
      grant::test::StatementLog log;
      BOOST_CHECK_NO_THROW(p.run(valid_name(p)));
      if (p.sends_sql) BOOST_CHECK_GT(log.count(), 0u);
      else BOOST_CHECK_EQUAL(log.count(), 0u);
    }
  }
  BOOST_CHECK_EQUAL(canary_rows(), 3);
}

BOOST_AUTO_TEST_CASE(hostile_names_fail_before_any_statement_in_every_position) {
  std::size_t rejected = 0;
  for (const auto& p : positions()) {
    for (const auto& name : hostile_names) {
      BOOST_TEST_CONTEXT(p.label << " with \"" << name << "\"") {
        grant::test::StatementLog log;
        if (p.association) BOOST_CHECK_THROW(p.run(name), grant::UnknownAssociation);
        else BOOST_CHECK_THROW(p.run(name), grant::UnknownColumn);
        BOOST_CHECK_EQUAL(log.count(), 0u);
        if (log.count() > 0) BOOST_TEST_MESSAGE("sent: " << log.sql().front());
        ++rejected;
      }
    }
  }
  BOOST_CHECK_EQUAL(rejected, positions().size() * hostile_names.size());
  BOOST_CHECK_EQUAL(canary_rows(), 3);
  BOOST_CHECK_EQUAL(Item::count(), 3);
  BOOST_CHECK(Item::where({{"qty", 1}}).pluck<std::string>("name") == (std::vector<std::string>{"a"}));
}

BOOST_AUTO_TEST_CASE(names_are_emitted_quoted) {
  grant::test::StatementLog log;
  Item::where({{"qty", 1}}).order("name DESC").pluck("price");
  BOOST_REQUIRE_EQUAL(log.count(), 1u);
  const std::string sql = log.sql().front();
  using grant::test::quoted;
  BOOST_TEST_CONTEXT(sql) {
    BOOST_CHECK(sql.find(quoted("name_items") + "." + quoted("qty")) != std::string::npos);
    BOOST_CHECK(sql.find(quoted("name_items") + "." + quoted("name") + " DESC") != std::string::npos);
    BOOST_CHECK(sql.find(quoted("name_items") + "." + quoted("price")) != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(table_column_of_a_joined_association) {
  const auto& ids = suite->data->ids;
  // by the target's table name and by the association's name
  BOOST_CHECK_EQUAL(Item::joins("notes").where({{"name_notes.body", "b1"}}).count(), 1);
  BOOST_CHECK_EQUAL(Item::joins("notes").where({{"notes.body", "a2"}}).pick<std::string>("name").value(), "a");
  BOOST_CHECK_EQUAL(Item::joins("notes").where("notes.body", grant::like, "a%").count(), 2);
  BOOST_CHECK(Item::joins("notes").order("notes.body DESC").pluck<std::string>("notes.body") == (std::vector<std::string>{"b1", "a2", "a1"}));
  BOOST_CHECK_EQUAL(Item::joins("notes").group("name_items.id").count(), 2);
  BOOST_CHECK_EQUAL(Item::joins("notes").max<std::string>("notes.body").value(), "b1");
  grant::Rows rows = Item::joins("notes").select("name_items.name", "notes.body").order("notes.body").rows();
  BOOST_REQUIRE_EQUAL(rows.size(), 3u);
  BOOST_CHECK_EQUAL(rows.at(2, "body").as<std::string>(), "b1");
  // the model's own table, and the belongs_to side
  BOOST_CHECK_EQUAL(Item::where({{"name_items.qty", 2}}).count(), 1);
  BOOST_CHECK_EQUAL(Note::joins("item").where({{"item.name", "a"}}).count(), 2);
  BOOST_CHECK_EQUAL(Note::joins("item").where({{"name_items.qty", 2}}).pick<std::string>("body").value(), "b1");
  BOOST_CHECK_EQUAL(Item::joins("notes").where({{"notes.item_id", ids[1]}}).update_all({{"price", 9.0}}), 1);
  BOOST_CHECK_EQUAL(Item::find_or_throw(ids[1]).price, 9.0);
  Item::where({{"id", ids[1]}}).update_all({{"price", 3.0}});
  // without the join the name is unknown, and the message says how to fix it
  try {
    Item::where({{"notes.body", "a1"}}).count();
    BOOST_FAIL("expected UnknownColumn");
  } catch (const grant::UnknownColumn& e) {
    BOOST_CHECK(std::string(e.what()).find("joins(\"notes\")") != std::string::npos);
  }
}

BOOST_AUTO_TEST_CASE(raw_in_every_raw_position) {
  const auto& ids = suite->data->ids;
  using grant::raw;
  grant::Rows r = Item::select("name", raw("qty * 2 AS twice")).order("id").rows();
  BOOST_REQUIRE_EQUAL(r.size(), 3u);
  BOOST_CHECK_EQUAL(r.at(2, "twice").as<std::int64_t>(), 6);
  // binds of a raw select come before those of the WHERE, as in the text
  grant::Rows bumped = Item::select(raw("qty + ? AS bumped", {10})).where({{"id", ids[1]}}).rows();
  BOOST_REQUIRE_EQUAL(bumped.size(), 1u);
  BOOST_CHECK_EQUAL(bumped.at(0, "bumped").as<std::int64_t>(), 12);
  BOOST_CHECK(Item::order(raw("qty * -1")).pluck<std::string>("name") == (std::vector<std::string>{"c", "b", "a"}));
  BOOST_CHECK_EQUAL(Item::order(raw("qty DESC")).last()->name, "a");  // reversed for last()
  BOOST_CHECK_EQUAL(Item::order(raw("qty * ?", {-1}), grant::asc).first()->name, "c");
  BOOST_CHECK_EQUAL(Item::group(raw("qty % 2")).count(), 2);
  BOOST_CHECK_EQUAL(Item::joins("notes").group("name_items.id").having(raw("COUNT(*) > ?", {1})).count(), 1);
  BOOST_CHECK_EQUAL(Item::joins("notes").group("name_items.id").having("COUNT(*) > ?", {1}).count(), 1);
  BOOST_CHECK(Item::order("id").pluck<std::int64_t>(raw("qty + 1")) == (std::vector<std::int64_t>{2, 3, 4}));
  BOOST_CHECK_EQUAL(Item::order("qty DESC").pick<std::int64_t>(raw("qty * ?", {100})).value(), 300);
  BOOST_CHECK_EQUAL(Item::sum<std::int64_t>(raw("qty * 2")), 12);
  BOOST_CHECK_CLOSE(Item::avg(raw("qty * 2")).value(), 4.0, 1e-9);
  BOOST_CHECK_EQUAL(Item::min<std::int64_t>(raw("qty - 1")).value(), 0);
  BOOST_CHECK_EQUAL(Item::max<std::int64_t>(raw("qty - ?", {1})).value(), 2);
  BOOST_CHECK_EQUAL(Item::joins(raw("LEFT JOIN name_notes ON name_notes.item_id = name_items.id"))
                        .where("name_notes.id IS NULL")
                        .pick<std::string>("name")
                        .value(),
                    "c");
  BOOST_CHECK_EQUAL(Item::joins(raw("INNER JOIN name_notes ON name_notes.item_id = name_items.id AND name_notes.body = ?", {"a2"}))
                        .where({{"qty", 1}})
                        .count(),
                    1);
  // fragment forms stay raw
  BOOST_CHECK_EQUAL(Item::where("qty > ? AND qty < ?", {1, 3}).count(), 1);
  BOOST_CHECK_EQUAL(Item::where({{"qty", 1}}).or_where("qty = ?", {3}).count(), 2);
  BOOST_CHECK_EQUAL(Item::query().where_not("qty = ?", {3}).count(), 2);
  // a raw expression with the wrong number of binds fails before any statement
  grant::test::StatementLog log;
  BOOST_CHECK_THROW(Item::select(raw("qty + ?")).rows(), grant::Error);
  BOOST_CHECK_THROW(Item::sum(raw("qty + ?", {1, 2})), grant::Error);
  BOOST_CHECK_THROW(Item::joins(raw("LEFT JOIN name_notes ON name_notes.id = ?")).count(), grant::Error);
  BOOST_CHECK_EQUAL(log.count(), 0u);
}

BOOST_AUTO_TEST_CASE(order_list_is_parsed_strictly) {
  BOOST_CHECK(Item::order("qty DESC, id").pluck<std::string>("name") == (std::vector<std::string>{"c", "b", "a"}));
  BOOST_CHECK_EQUAL(Item::order("qty desc,id asc").first()->name, "c");
  BOOST_CHECK_EQUAL(Item::order("qty ASC").last()->name, "c");
  grant::test::StatementLog log;
  for (const char* bad : {"qty  DESC", "qty DESC ", "qty DESCENDING", "qty DESC NULLS LAST", "qty,", ",qty", "qty;DESC",
                          "qty DESC, LOWER(name)", "qty, id -- x"})
    BOOST_TEST_CONTEXT(bad) { BOOST_CHECK_THROW(Item::order(bad).all(), grant::UnknownColumn); }
  BOOST_CHECK_EQUAL(log.count(), 0u);
}

BOOST_AUTO_TEST_CASE(unknown_names_list_the_columns_and_suggest) {
  auto message = [](const std::function<void()>& fn) -> std::string {
    try {
      fn();
    } catch (const grant::UnknownColumn& e) {
      return e.what();
    } catch (const grant::UnknownAssociation& e) {
      return e.what();
    }
    return "(nothing thrown)";
  };
  const std::string typo = message([] { Item::where({{"nmae", "a"}}).count(); });
  BOOST_TEST_CONTEXT(typo) {
    BOOST_CHECK(typo.find("Item") != std::string::npos);
    BOOST_CHECK(typo.find("id, name, qty, price") != std::string::npos);
    BOOST_CHECK(typo.find("did you mean \"name\"") != std::string::npos);
  }
  const std::string upper = message([] { Item::order("ID", grant::asc).all(); });
  BOOST_TEST_CONTEXT(upper) { BOOST_CHECK(upper.find("did you mean \"id\"") != std::string::npos); }
  const std::string spaced = message([] { Item::pluck("qty "); });
  BOOST_TEST_CONTEXT(spaced) { BOOST_CHECK(spaced.find("did you mean \"qty\"") != std::string::npos); }
  const std::string joined = message([] { Item::joins("notes").where({{"notes.bdy", 1}}).count(); });
  BOOST_TEST_CONTEXT(joined) { BOOST_CHECK(joined.find("did you mean \"notes.body\"") != std::string::npos); }
  const std::string expression = message([] { Item::sum("qty * 2"); });
  BOOST_TEST_CONTEXT(expression) { BOOST_CHECK(expression.find("grant::raw") != std::string::npos); }
  const std::string far = message([] { Item::where({{"zzzzzz", 1}}).count(); });
  BOOST_TEST_CONTEXT(far) { BOOST_CHECK(far.find("did you mean") == std::string::npos); }
  const std::string association = message([] { Item::joins("note").count(); });
  BOOST_TEST_CONTEXT(association) {
    BOOST_CHECK(association.find("association \"note\" for model Item") != std::string::npos);
    BOOST_CHECK(association.find("did you mean \"notes\"") != std::string::npos);
  }
  const std::string invisible = message([] { Item::where({{"id\xE2\x80\x8B", 1}}).count(); });
  BOOST_TEST_CONTEXT(invisible) { BOOST_CHECK(invisible.find("id\\u200b") != std::string::npos); }
  try {
    Item::where({{"Qty", 1}}).count();
    BOOST_FAIL("expected UnknownColumn");
  } catch (const grant::UnknownColumn& e) {
    BOOST_CHECK_EQUAL(e.model(), "Item");
    BOOST_CHECK_EQUAL(e.column(), "Qty");
    BOOST_CHECK_EQUAL(e.suggestion(), "qty");
  }
}

BOOST_AUTO_TEST_CASE(database_errors_name_the_model_operation) {
  // A fragment naming a column that does not exist: the database reports it.
  try {
    Item::where("no_such_column = ?", {1}).count();
    BOOST_FAIL("expected DatabaseError");
  } catch (const grant::DatabaseError& e) {
    const std::string what = e.what();
    BOOST_TEST_CONTEXT(what) {
      BOOST_CHECK(what.find("Item.where(...).count() on shard primary: [") == 0);
      BOOST_CHECK(what.find("SQL: SELECT COUNT(*)") != std::string::npos);
      BOOST_CHECK_EQUAL(e.operation(), "Item.where(...).count()");
      BOOST_CHECK(!e.sqlstate().empty());
      BOOST_CHECK_EQUAL(e.shard(), "primary");
    }
  }
  try {
    Item::async_sum(grant::raw("no_such_column")).await();
    BOOST_FAIL("expected DatabaseError");
  } catch (const grant::DatabaseError& e) {
    BOOST_CHECK_EQUAL(e.operation(), "Item.sum(no_such_column)");
  }
  // The class survives: a duplicate key is still a UniqueViolation, from create and save.
  const std::int64_t taken = suite->data->ids[0];
  try {
    Item::create_or_throw({{"id", taken}, {"name", "dup"}});
    BOOST_FAIL("expected UniqueViolation");
  } catch (const grant::UniqueViolation& e) {
    BOOST_CHECK_EQUAL(e.operation(), "Item.create_or_throw()");
    BOOST_CHECK(std::string(e.what()).find("Item.create_or_throw() on shard primary") == 0);
  }
  Item dup;
  dup.id = taken;
  dup.name = "dup";
  try {
    dup.save();
    BOOST_FAIL("expected UniqueViolation");
  } catch (const grant::UniqueViolation& e) {
    BOOST_CHECK_EQUAL(e.operation(), "Item.save()");
    BOOST_CHECK(!e.sqlstate().empty());
  }
  // Raw SQL on a shard is no model operation: shard and SQL only, as before.
  try {
    grant::test::shard().query("SELECT no_such_column FROM name_items");
    BOOST_FAIL("expected DatabaseError");
  } catch (const grant::DatabaseError& e) {
    BOOST_CHECK(e.operation().empty());
    BOOST_CHECK(std::string(e.what()).find("(shard primary)") != std::string::npos);
  }
  BOOST_CHECK_EQUAL(Item::count(), 3);
}

BOOST_AUTO_TEST_CASE(canary_survives) {
  BOOST_CHECK_EQUAL(canary_rows(), 3);
  auto notes = grant::test::shard().query("SELECT note FROM name_canary ORDER BY id");
  BOOST_REQUIRE_EQUAL(notes.size(), 3u);
  BOOST_CHECK_EQUAL(notes.rows.at(2).at(0).as<std::string>(), "alive");
}
