// Bulk writes: insert_all / upsert_all (multi-row VALUES, chunked under the dialect's
// parameter limit, one transaction, ids through RETURNING where the driver gives them).
// Same cases on every backend.
#define BOOST_TEST_MODULE test_model_bulk
#include <boost/test/unit_test.hpp>

#include "tests/support/model_support.hpp"

#include <grant/grant.hpp>

namespace {

struct Item : grant::Model<Item> {
  std::optional<std::int64_t> id;
  std::int64_t sku = 0;
  std::string name;
  std::int64_t stock = 0;
  std::optional<grant::Time> created_at, updated_at;
  static auto schema() {
    return grant::Schema<Item>("items").primary_key().timestamps()
        .columns("sku", &Item::sku, "name", &Item::name, "stock", &Item::stock)
        .validate("name", grant::presence{})
        .before_save([](Item& i) { i.stock += 1000; });
  }
};

struct Tables {
  Tables() {
    Item::migrator().drop_and_create();
    grant::test::shard().exec("CREATE UNIQUE INDEX items_sku ON " + grant::test::quoted("items") + " (" +
                              grant::test::quoted("sku") + ")");
  }
};

Item item(std::int64_t sku, std::string name, std::int64_t stock = 0) {
  Item i;
  i.sku = sku;
  i.name = std::move(name);
  i.stock = stock;
  return i;
}

const grant::Dialect& dialect() {
  const auto& name = grant::test::backend().name;
  return grant::dialect_for(name == "postgresql" ? grant::DialectKind::postgresql
                            : name == "mariadb"  ? grant::DialectKind::mariadb
                                                 : grant::DialectKind::sqlite);
}

bool upsert_returns_ids() { return grant::test::backend().name != "sqlite"; }

}  // namespace

using grant::test::SuiteRuntime;
BOOST_TEST_GLOBAL_FIXTURE(SuiteRuntime);
BOOST_FIXTURE_TEST_SUITE(bulk, Tables)

BOOST_AUTO_TEST_CASE(ten_thousand_rows_in_a_bounded_number_of_statements) {
  std::vector<Item> items;
  for (int i = 0; i < 10000; ++i) items.push_back(item(i, "item " + std::to_string(i), i % 7));
  grant::test::StatementLog log;
  grant::BulkResult r = Item::insert_all(items);
  auto inserts = log.starting_with("INSERT");
  // 5 columns per row, as many rows per statement as the parameter limit allows.
  const std::size_t per_statement = dialect().max_parameters() / 5;
  BOOST_CHECK_EQUAL(inserts.size(), (10000 + per_statement - 1) / per_statement);
  BOOST_CHECK_LE(inserts.size(), 8u);
  BOOST_CHECK_EQUAL(inserts.size(), r.statements);
  // + one last_insert_rowid() per INSERT on SQLite, + BEGIN / COMMIT where they are statements
  BOOST_CHECK_LE(log.count(), 2 * inserts.size() + 2);
  BOOST_CHECK_EQUAL(r.rows, 10000);
  BOOST_CHECK_EQUAL(Item::count(), 10000);
  BOOST_CHECK_EQUAL(Item::sum<std::int64_t>("sku"), std::int64_t{10000} * 9999 / 2);
  BOOST_CHECK(r.ids_returned);
  BOOST_REQUIRE_EQUAL(r.ids.size(), 10000u);
  for (std::size_t i : {std::size_t{0}, per_statement - 1, per_statement, std::size_t{9999}})
    BOOST_CHECK_EQUAL(Item::find_or_throw(r.ids[i]).sku, static_cast<std::int64_t>(i));
}

BOOST_AUTO_TEST_CASE(validations_and_callbacks_are_skipped_and_timestamps_set) {
  std::vector<Item> items{item(1, ""), item(2, "two", 5)};  // "" fails presence; before_save adds 1000
  Item::insert_all(items);
  BOOST_CHECK(items[0].new_record());  // the inputs are not changed
  BOOST_CHECK(!items[0].id);
  auto stored = Item::order("sku").all();
  BOOST_REQUIRE_EQUAL(stored.size(), 2u);
  BOOST_CHECK_EQUAL(stored[0].name, "");
  BOOST_CHECK_EQUAL(stored[1].stock, 5);
  BOOST_CHECK(stored[0].created_at && stored[0].updated_at);
}

BOOST_AUTO_TEST_CASE(upsert_updates_what_exists_and_inserts_the_rest) {
  Item::insert_all({item(1, "one", 1), item(2, "two", 2)});
  const auto created = *Item::find_by_or_throw({{"sku", std::int64_t{1}}}).created_at;
  const auto first_id = *Item::find_by_or_throw({{"sku", std::int64_t{1}}}).id;
  grant::test::StatementLog log;
  grant::BulkResult r = Item::upsert_all({item(1, "uno", 10), item(3, "tres", 30)}, {"sku"});
  BOOST_CHECK_EQUAL(log.starting_with("INSERT").size(), 1u);
  auto all = Item::order("sku").all();
  BOOST_REQUIRE_EQUAL(all.size(), 3u);
  BOOST_CHECK_EQUAL(all[0].name, "uno");
  BOOST_CHECK_EQUAL(all[0].stock, 10);
  BOOST_CHECK_EQUAL(*all[0].id, first_id);       // updated in place
  BOOST_CHECK(*all[0].created_at == created);    // created_at kept
  BOOST_CHECK_EQUAL(all[1].name, "two");         // untouched
  BOOST_CHECK_EQUAL(all[2].name, "tres");        // inserted
  BOOST_CHECK_EQUAL(r.ids_returned, upsert_returns_ids());
  if (r.ids_returned) {
    BOOST_REQUIRE_EQUAL(r.ids.size(), 2u);
    BOOST_CHECK_EQUAL(r.ids[0], first_id);
    BOOST_CHECK_EQUAL(r.ids[1], *all[2].id);
  }
}

BOOST_AUTO_TEST_CASE(async_twins_and_chunk_failure_rolls_back_everything) {
  std::vector<Item> items;
  for (int i = 0; i < 12000; ++i) items.push_back(item(i, "x"));
  items.push_back(item(5, "duplicate sku"));  // fails in the last chunk
  BOOST_CHECK_THROW(Item::async_insert_all(items).await(), grant::UniqueViolation);
  BOOST_CHECK_EQUAL(Item::count(), 0);
  auto r = Item::async_upsert_all({item(7, "seven")}, {"sku"}).await();
  BOOST_CHECK_EQUAL(r.statements, 1u);
  BOOST_CHECK_EQUAL(Item::count(), 1);
}

BOOST_AUTO_TEST_CASE(bad_input_is_a_typed_error_before_any_sql) {
  grant::test::StatementLog log;
  BOOST_CHECK_THROW(Item::upsert_all({item(1, "a")}, {"no_such_column"}), grant::UnknownColumn);
  Item with_id = item(2, "b");
  with_id.id = 50;
  BOOST_CHECK_THROW(Item::insert_all({with_id, item(3, "c")}), grant::Error);
  BOOST_CHECK_EQUAL(log.count(), 0u);
  auto r = Item::insert_all({});
  BOOST_CHECK_EQUAL(r.statements, 0u);
  BOOST_CHECK_EQUAL(log.count(), 0u);
}

BOOST_AUTO_TEST_CASE(inside_a_transaction_the_rows_roll_back_with_it) {
  Item::transaction([] {
    Item::insert_all({item(1, "a"), item(2, "b")});
    BOOST_CHECK_EQUAL(Item::count(), 2);
    throw grant::Rollback();
  });
  BOOST_CHECK_EQUAL(Item::count(), 0);
}

BOOST_AUTO_TEST_SUITE_END()
