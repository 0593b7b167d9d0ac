// The record-store demo's figures against Chinook's truth: the data is loaded fresh through
// the library, then the dashboard's own functions are checked against plain SQL run here
// and against figures of the Chinook data set itself.
#define BOOST_TEST_MODULE test_demo
#include <boost/test/unit_test.hpp>

#include "examples/record_store/dashboard.hpp"
#include "examples/record_store/load.hpp"
#include "examples/record_store/models.hpp"
#include "examples/record_store/shards.hpp"
#include "tests/support/backend.hpp"

#include <grant/grant.hpp>

#include <cmath>
#include <map>

using namespace record_store;

namespace {

// The four test databases under the demo's shard names.
grant::Config demo_config() {
  const auto& b = grant::test::backend();
  grant::Config c = grant::test::config(4);
  c.shards.clear();
  c.add_shard("primary", b.shards.at(0));
  for (std::size_t i = 0; i < invoice_shards.size(); ++i) c.add_shard(std::string(invoice_shards[i]), b.shards.at(i + 1));
  return c;
}

struct Loaded {
  Loaded() : runtime(demo_config()) {
    create_schema();
    load("tools/data/chinook/Chinook_Sqlite.sql");
  }
  grant::Runtime runtime;
};

// Plain SQL on one shard, one number back.
double scalar(std::string_view shard, const std::string& sql) {
  auto rows = grant::Runtime::current().shard(shard).query(sql);
  return rows.rows.at(0).at(0).as<double>();
}

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(Loaded);

BOOST_AUTO_TEST_CASE(load_writes_every_row_once) {
  BOOST_TEST(scalar("primary", "SELECT COUNT(*) FROM artists") == 275);
  BOOST_TEST(scalar("primary", "SELECT COUNT(*) FROM albums") == 347);
  BOOST_TEST(scalar("primary", "SELECT COUNT(*) FROM tracks") == 3503);
  BOOST_TEST(scalar("primary", "SELECT COUNT(*) FROM customers") == 59);
  BOOST_TEST(scalar("primary", "SELECT COUNT(*) FROM employees") == 8);
  double invoices = 0, lines = 0;
  for (auto s : invoice_shards) {
    invoices += scalar(s, "SELECT COUNT(*) FROM invoices");
    lines += scalar(s, "SELECT COUNT(*) FROM invoice_lines");
    // Every line sits on the shard of its invoice.
    BOOST_TEST(scalar(s, "SELECT COUNT(*) FROM invoice_lines WHERE invoice_id NOT IN (SELECT id FROM invoices)") == 0);
  }
  BOOST_TEST(invoices == 412);
  BOOST_TEST(lines == 2240);
}

BOOST_AUTO_TEST_CASE(invoices_are_on_their_customers_region_shard) {
  std::map<std::int64_t, std::string> country;
  for (const auto& c : Customer::all()) country[*c.id] = c.country.value_or("");
  for (auto s : invoice_shards)
    for (auto id : Invoice::shard(std::string(s)).pluck<std::int64_t>("customer_id"))
      BOOST_TEST(region_of(country.at(id)) == s);
}

BOOST_AUTO_TEST_CASE(dashboard_matches_plain_sql_and_chinook) {
  const Dashboard d = load_sequential();
  // Chinook's own figures (Chinook 1.4.5: 59 customers, 412 invoices, 3503 tracks).
  BOOST_TEST(d.customers == 59);
  BOOST_TEST(d.invoices == 412);
  BOOST_TEST(d.tracks == 3503);
  BOOST_TEST(d.revenue == 2328.60);

  // Per shard, against plain SQL on that shard.
  double revenue = 0;
  BOOST_REQUIRE(d.shards.size() == 3u);
  for (std::size_t i = 0; i < 3; ++i) {
    auto s = invoice_shards[i];
    BOOST_TEST(d.shards[i].shard == s);
    BOOST_TEST(d.shards[i].invoices == scalar(s, "SELECT COUNT(*) FROM invoices"));
    BOOST_TEST(d.shards[i].revenue == cents(scalar(s, "SELECT SUM(total) FROM invoices")));
    revenue += scalar(s, "SELECT SUM(total) FROM invoices");
  }
  BOOST_TEST(d.revenue == cents(revenue));

  // Top 5 countries: plain SQL per shard, merged here.
  std::map<std::string, double> by_country;
  for (auto s : invoice_shards) {
    auto rows = grant::Runtime::current().shard(s).query(
        "SELECT billing_country, SUM(total) FROM invoices GROUP BY billing_country");
    for (const auto& r : rows.rows) by_country[r[0].as<std::string>()] += r[1].as<double>();
  }
  BOOST_REQUIRE(d.top_countries.size() == 5u);
  for (const auto& c : d.top_countries) BOOST_TEST(c.value == cents(by_country.at(c.name)));
  BOOST_TEST(d.top_countries[0].name == "USA");
  BOOST_TEST(d.top_countries[0].value == 523.06);
  BOOST_TEST(d.top_countries[1].name == "Canada");
  BOOST_TEST(d.top_countries[1].value == 303.96);

  // Top customers and genres: Chinook's known leaders.
  BOOST_REQUIRE(d.top_customers.size() == 5u);
  BOOST_TEST(d.top_customers[0].name == "Helena Holý");
  BOOST_TEST(d.top_customers[0].value == 49.62);
  BOOST_REQUIRE(d.top_genres.size() == 5u);
  BOOST_TEST(d.top_genres[0].name == "Rock");
  BOOST_TEST(d.top_genres[0].value == 835);
  BOOST_TEST(d.top_genres[1].name == "Latin");
  BOOST_TEST(d.top_genres[1].value == 386);

  // Units sold overall: plain SQL over the shards.
  double units = 0;
  for (auto s : invoice_shards) units += scalar(s, "SELECT SUM(quantity) FROM invoice_lines");
  BOOST_TEST(units == 2240);

  // The 10 most recent invoices, newest first, with Chinook's last invoice on top.
  BOOST_REQUIRE(d.recent.size() == 10u);
  BOOST_TEST(d.recent[0].id == 412);
  BOOST_TEST(d.recent[0].customer == "Manoj Pareek");
  for (std::size_t i = 1; i < d.recent.size(); ++i) BOOST_TEST((d.recent[i - 1].date >= d.recent[i].date));
}

BOOST_AUTO_TEST_CASE(concurrent_load_gives_the_same_dashboard) {
  const Dashboard sequential = load_sequential();
  const Dashboard concurrent = load_concurrent();
  BOOST_TEST(concurrent.revenue == sequential.revenue);
  BOOST_TEST(concurrent.invoices == sequential.invoices);
  BOOST_TEST((concurrent == sequential));
}

BOOST_AUTO_TEST_CASE(dashboard_on_a_missing_shard_fails_clearly) {
  // Dropping one invoice table makes the concurrent load fail as a whole, naming the error.
  Invoice::migrator("world").drop();
  BOOST_CHECK_THROW(load_concurrent(), grant::async::CoordinationError);
  BOOST_CHECK_THROW(load_sequential(), grant::DatabaseError);
  // Put it back for any case that runs after this one.
  create_schema();
  load("tools/data/chinook/Chinook_Sqlite.sql");
  BOOST_TEST(load_sequential().invoices == 412);
}
