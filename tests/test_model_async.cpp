// The async_* API on models: every terminal (count, all, find, ...) at class level, on queries
// and on shards returns what its sync form returns; record writes copy their outcome back
// at the first await; errors arrive at await, never at the call site.
#define BOOST_TEST_MODULE test_model_async
#include <boost/test/unit_test.hpp>

#include "tests/support/model_support.hpp"

#include <grant/grant.hpp>

#include <chrono>
#include <set>
#include <thread>

namespace {

struct Item : grant::Model<Item> {
  std::optional<std::int64_t> id;
  std::string name;
  std::optional<std::string> kind;
  std::int64_t qty = 0;
  double price = 0;
  std::optional<grant::Time> created_at, updated_at;
  static auto schema() {
    return grant::Schema<Item>("items").primary_key().timestamps()
        .columns("name", &Item::name, "kind", &Item::kind, "qty", &Item::qty, "price", &Item::price)
        .validate("name", grant::presence{});
  }
};

struct Data {
  Data() {
    Item::migrator().drop_and_create();
    Item::migrator("shard_1").drop_and_create();
    for (int i = 1; i <= 6; ++i)
      Item::create_or_throw({{"name", "item " + std::to_string(i)}, {"kind", i % 2 ? "odd" : "even"}, {"qty", i},
                             {"price", i * 1.5}});
    Item::shard("shard_1").create_or_throw({{"name", "remote"}, {"qty", 100}});
  }
};

/// Waits (without awaiting) until the operation finishes on its own: proof that it was
/// started by the call. A plain thread may sleep; fibers never do.
template <class T>
bool finishes_without_await(const grant::AsyncResult<T>& r) {
  for (int i = 0; i < 2000 && !r.completed(); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
  return r.completed();
}

std::vector<std::int64_t> ids_of(const std::vector<Item>& v) {
  std::vector<std::int64_t> out;
  for (const auto& i : v) out.push_back(*i.id);
  return out;
}

}  // namespace

using grant::test::SuiteRuntime;
BOOST_TEST_GLOBAL_FIXTURE(SuiteRuntime);
BOOST_FIXTURE_TEST_SUITE(async_api, Data)

BOOST_AUTO_TEST_CASE(finders_match_their_sync_forms) {
  const std::int64_t id = *Item::find_by_or_throw({{"name", "item 3"}}).id;
  BOOST_CHECK(Item::async_find(id).await()->name == Item::find(id)->name);
  BOOST_CHECK(!Item::async_find(999999).await());
  BOOST_CHECK(*Item::async_find_or_throw(id).await().id == id);
  BOOST_CHECK(Item::async_find_by({{"name", "item 4"}}).await()->qty == 4);
  BOOST_CHECK(!Item::async_find_by({{"name", "none"}}).await());
  BOOST_CHECK(Item::async_find_by_or_throw({{"name", "item 4"}}).await().qty == 4);
  BOOST_CHECK(Item::async_first().await()->id == Item::first()->id);
  BOOST_CHECK(Item::async_first_or_throw().await().id == Item::first_or_throw().id);
  BOOST_CHECK(Item::async_last().await()->id == Item::last()->id);
  BOOST_CHECK(Item::async_last_or_throw().await().id == Item::last_or_throw().id);
  BOOST_CHECK(ids_of(Item::async_all().await()) == ids_of(Item::all()));
  BOOST_CHECK(Item::async_exists().await());
  BOOST_CHECK(Item::async_exists({{"name", "item 1"}}).await());
  BOOST_CHECK(!Item::async_exists({{"name", "none"}}).await());
}

BOOST_AUTO_TEST_CASE(on_queries) {
  auto q = Item::where({{"kind", "odd"}}).order("qty", grant::desc).limit(2);
  BOOST_CHECK(ids_of(q.async_all().await()) == ids_of(q.all()));
  BOOST_CHECK_EQUAL(q.async_all().await().front().qty, 5);
  BOOST_CHECK(q.async_first().await()->qty == 5);
  BOOST_CHECK(q.async_last().await()->qty == 3);
  BOOST_CHECK_EQUAL(q.async_count().await(), 2);
  BOOST_CHECK_EQUAL(Item::where({{"kind", "odd"}}).async_sum<std::int64_t>("qty").await(), 9);
  BOOST_CHECK(Item::where("qty", grant::gt, 3).async_pluck<std::string>("name").await() ==
              Item::where("qty", grant::gt, 3).pluck<std::string>("name"));
  BOOST_CHECK(Item::where({{"kind", "even"}}).async_find(1).await() == std::nullopt);  // id 1 is odd
}

BOOST_AUTO_TEST_CASE(aggregates_match_their_sync_forms) {
  BOOST_CHECK_EQUAL(Item::async_count().await(), Item::count());
  BOOST_CHECK_EQUAL(Item::async_sum("price").await(), Item::sum("price"));
  BOOST_CHECK_EQUAL(Item::async_sum<std::int64_t>("qty").await(), 21);
  BOOST_CHECK_EQUAL(*Item::async_avg("qty").await(), *Item::avg("qty"));
  BOOST_CHECK(Item::async_min("qty").await() == Item::min("qty"));
  BOOST_CHECK_EQUAL(*Item::async_max<std::int64_t>("qty").await(), 6);
  BOOST_CHECK(Item::async_pluck("name").await() == Item::pluck("name"));
  BOOST_CHECK(Item::order("qty").async_pick("name").await() == Item::order("qty").pick("name"));
  BOOST_CHECK_EQUAL(*Item::order("qty", grant::desc).async_pick<std::string>("name").await(), "item 6");
  auto none = Item::where({{"name", "none"}});
  BOOST_CHECK_EQUAL(none.async_sum("qty").await(), 0.0);
  BOOST_CHECK(!none.async_avg("qty").await());
  BOOST_CHECK(!none.async_min("qty").await());
  BOOST_CHECK(!none.async_max<double>("price").await());
  BOOST_CHECK(none.async_pluck("qty").await().empty());
  BOOST_CHECK(!none.async_pick("qty").await());
}

BOOST_AUTO_TEST_CASE(bulk_writes) {
  BOOST_CHECK_EQUAL(Item::where({{"kind", "odd"}}).async_update_all({{"qty", 0}}).await(), 3);
  BOOST_CHECK_EQUAL(Item::async_update_all({{"price", 1.0}}).await(), 6);
  BOOST_CHECK_EQUAL(Item::sum<std::int64_t>("qty"), 12);
  BOOST_CHECK_EQUAL(Item::where({{"qty", 0}}).async_delete_all().await(), 3);
  BOOST_CHECK_EQUAL(Item::async_delete_all().await(), 3);
  BOOST_CHECK_EQUAL(Item::count(), 0);
}

BOOST_AUTO_TEST_CASE(on_a_shard) {
  auto remote = Item::shard("shard_1").async_find_by_or_throw({{"name", "remote"}}).await();
  BOOST_CHECK_EQUAL(remote.shard_name(), "shard_1");
  BOOST_CHECK(Item::shard("shard_1").async_find(*remote.id).await()->name == "remote");
  BOOST_CHECK_EQUAL(Item::shard("shard_1").async_count().await(), 1);
  BOOST_CHECK_EQUAL(Item::shard("shard_1").async_sum<std::int64_t>("qty").await(), 100);
  // fan out over shards with a coordinator
  grant::async::ResultCoordinator<std::int64_t> counts;
  for (const char* s : {"primary", "shard_1"}) counts.add(Item::shard(s).async_count());
  auto results = counts.await_all();
  BOOST_REQUIRE_EQUAL(results.size(), 2u);
  BOOST_CHECK_EQUAL(*results[0], 6);
  BOOST_CHECK_EQUAL(*results[1], 1);
}

BOOST_AUTO_TEST_CASE(calls_start_the_work_and_never_throw) {
  auto count = Item::async_count();
  BOOST_CHECK(finishes_without_await(count));  // started by the call itself
  BOOST_CHECK_EQUAL(count.await(), 6);
  BOOST_CHECK_EQUAL(count.await(), 6);  // idempotent

  grant::test::StatementLog log;
  // none of these throws here; each fails at await
  auto unknown_column = Item::where({{"nope", 1}}).async_all();
  auto unknown_sum = Item::async_sum("nope");
  auto bad_binds = Item::where("qty > ?", {}).async_count();
  auto unknown_shard = Item::shard("nowhere").async_count();
  auto missing = Item::async_find_or_throw(424242);
  auto missing_by = Item::async_find_by_or_throw({{"name", "none"}});
  auto empty_first = Item::where({{"name", "none"}}).async_first_or_throw();
  auto bad_update = Item::async_update_all({{"nope", 1}});
  auto bad_create = Item::async_create({{"nope", 1}});
  BOOST_CHECK_THROW(unknown_column.await(), grant::UnknownColumn);
  BOOST_CHECK_THROW(unknown_sum.await(), grant::UnknownColumn);
  BOOST_CHECK_THROW(bad_binds.await(), grant::Error);
  BOOST_CHECK_THROW(unknown_shard.await(), grant::UnknownShard);
  BOOST_CHECK_THROW(missing.await(), grant::querying::NotFound);
  BOOST_CHECK_THROW(missing.await(), grant::querying::NotFound);  // the same error again
  BOOST_CHECK_THROW(missing_by.await(), grant::querying::NotFound);
  BOOST_CHECK_THROW(empty_first.await(), grant::querying::NotFound);
  BOOST_CHECK_THROW(bad_update.await(), grant::UnknownColumn);
  BOOST_CHECK_THROW(bad_create.await(), grant::UnknownColumn);
  // the argument errors never reached a database
  for (const auto& s : log.sql()) BOOST_CHECK(s.find("nope") == std::string::npos);

  grant::async::Coordinator c;
  c.add(Item::async_count());
  c.add(Item::async_find_or_throw(424242));
  c.add(Item::async_all());
  auto results = c.await_all();
  BOOST_CHECK_EQUAL(results.get<std::int64_t>(0), 6);
  BOOST_CHECK(c.errors()[0] == nullptr);
  BOOST_CHECK(c.errors()[1] != nullptr);
  BOOST_CHECK_EQUAL(results.get<std::vector<Item>>(2).size(), 6u);
}

BOOST_AUTO_TEST_CASE(record_writes_copy_back_at_the_first_await) {
  Item it;
  it.name = "new";
  auto saved = it.async_save();
  BOOST_REQUIRE(finishes_without_await(saved));
  BOOST_CHECK(!it.id);           // the job worked on a copy...
  BOOST_CHECK(it.new_record());
  BOOST_CHECK(saved.await());    // ...copied back here
  BOOST_REQUIRE(it.id);
  BOOST_CHECK(it.persisted());
  BOOST_CHECK(it.created_at);
  BOOST_CHECK(!it.has_changes());

  it.qty = 7;
  BOOST_CHECK(it.async_save_or_throw().await());
  BOOST_CHECK_EQUAL(Item::find_or_throw(*it.id).qty, 7);
  BOOST_CHECK(it.async_update({{"qty", 8}}).await());
  BOOST_CHECK_EQUAL(it.qty, 8);
  BOOST_CHECK(it.async_update_or_throw({{"kind", "special"}}).await());
  BOOST_CHECK_EQUAL(Item::find_or_throw(*it.id).kind.value(), "special");

  // failures: false with errors() copied back, or the exception with errors() copied back
  auto invalid = it.async_update({{"name", ""}});
  BOOST_CHECK(!invalid.await());
  BOOST_CHECK(it.errors().on("name") == std::vector<std::string>{"can't be blank"});
  BOOST_CHECK_EQUAL(Item::find_or_throw(*it.id).name, "new");
  auto invalid_throw = it.async_save_or_throw();
  BOOST_CHECK_THROW(invalid_throw.await(), grant::RecordInvalid);
  BOOST_CHECK_EQUAL(it.errors().size(), 1u);
  auto unknown = it.async_update({{"nope", 1}});  // no throw here
  BOOST_CHECK_THROW(unknown.await(), grant::UnknownColumn);
  auto unknown_or_throw = it.async_update_or_throw({{"nope", 1}});
  BOOST_CHECK_THROW(unknown_or_throw.await(), grant::UnknownColumn);

  it.name = "new";
  BOOST_CHECK(it.async_destroy().await());
  BOOST_CHECK(it.destroyed());
  BOOST_CHECK(!Item::find(*it.id));
  BOOST_CHECK(!it.async_destroy().await());
  BOOST_CHECK_THROW(it.async_destroy_or_throw().await(), grant::RecordNotDestroyed);

  // a result never awaited leaves the record alone
  Item untouched;
  untouched.name = "ghost";
  {
    auto r = untouched.async_save();
    BOOST_REQUIRE(finishes_without_await(r));
  }
  BOOST_CHECK(untouched.new_record());
  BOOST_CHECK_EQUAL(Item::where({{"name", "ghost"}}).count(), 1);  // but the row was written

  // on another shard
  Item far;
  far.name = "far";
  far.use_shard("shard_1");
  BOOST_CHECK(far.async_save().await());
  BOOST_CHECK_EQUAL(Item::shard("shard_1").async_count().await(), 2);
  Item lost;
  lost.name = "lost";
  lost.use_shard("nowhere");
  auto r = lost.async_save();
  BOOST_CHECK_THROW(r.await(), grant::UnknownShard);
  BOOST_CHECK(lost.new_record());
}

BOOST_AUTO_TEST_CASE(hundred_saves_at_once_get_distinct_ids) {
  std::vector<Item> items(100);
  std::vector<grant::AsyncResult<bool>> results;
  for (std::size_t i = 0; i < items.size(); ++i) {
    items[i].name = "bulk " + std::to_string(i);
    items[i].qty = static_cast<std::int64_t>(i);
    results.push_back(items[i].async_save());
  }
  for (auto& r : results) BOOST_CHECK(r.await());
  std::set<std::int64_t> ids;
  for (const auto& it : items) {
    BOOST_REQUIRE(it.id);
    ids.insert(*it.id);
    BOOST_CHECK_EQUAL(Item::find_or_throw(*it.id).name, it.name);  // each id is its own row
  }
  BOOST_CHECK_EQUAL(ids.size(), 100u);
  BOOST_CHECK_EQUAL(Item::where("name", grant::like, "bulk %").count(), 100);
  auto created = Item::async_create({{"name", "made"}}).await();
  BOOST_CHECK(created.persisted());
  BOOST_CHECK_THROW(Item::async_create_or_throw({{"name", ""}}).await(), grant::RecordInvalid);
}

// The natural one-line spellings on temporaries: the value outlives the AsyncResult (the
// tools/test --sanitize build proves no freed memory is read).
BOOST_AUTO_TEST_CASE(await_on_temporaries_never_dangles) {
  std::vector<std::string> names;
  for (const auto& item : Item::order("id").async_all().await()) {
    std::vector<Item> churn = Item::all();  // reuses freed heap, if any
    names.push_back(item.name);
  }
  BOOST_REQUIRE_EQUAL(names.size(), 6u);
  BOOST_CHECK_EQUAL(names[0], "item 1");
  BOOST_CHECK_EQUAL(names[5], "item 6");
  const auto& n = Item::async_count().await();
  const auto& odd = Item::where({{"kind", "odd"}}).async_all().await();
  const auto& found = Item::async_find_by({{"name", "item 4"}}).await();
  std::vector<Item> churn = Item::all();
  BOOST_CHECK_EQUAL(n, 6);
  BOOST_CHECK_EQUAL(odd.size(), 3u);
  BOOST_REQUIRE(found);
  BOOST_CHECK_EQUAL(found->qty, 4);
  const auto& names_too = Item::order("id").async_pluck<std::string>("name").await_for(std::chrono::seconds(10));
  BOOST_CHECK_EQUAL(names_too.size(), 6u);

  // an async write awaited as a temporary still copies its outcome back first
  Item fresh;
  fresh.name = "fresh";
  BOOST_CHECK(fresh.async_save().await());
  BOOST_CHECK(fresh.id);
  BOOST_CHECK(fresh.persisted());
}

// A result awaited by several fibers, one of them through an rvalue of its own copy, and
// held by a Coordinator: everyone sees the rows.
BOOST_AUTO_TEST_CASE(shared_results_stay_whole_for_every_awaiter) {
  auto all = Item::order("id").async_all();
  grant::async::Coordinator c;
  c.add(all);
  std::vector<std::size_t> sizes(4, 0);
  grant::fiber::WaitGroup wg;
  for (int i = 0; i < 4; ++i)
    wg.spawn([&, i, mine = all]() mutable { sizes[i] = i == 0 ? std::move(mine).await().size() : mine.await().size(); });
  wg.wait();
  for (auto s : sizes) BOOST_CHECK_EQUAL(s, 6u);
  BOOST_CHECK_EQUAL(std::move(all).await().size(), 6u);
  BOOST_CHECK_EQUAL(c.await_all().get<std::vector<Item>>(0).size(), 6u);
}

BOOST_AUTO_TEST_CASE(many_fibers_await_concurrently) {
  std::vector<std::int64_t> counts(20, -1);
  std::vector<std::size_t> sizes(20, 0);
  grant::fiber::WaitGroup wg;
  for (int i = 0; i < 20; ++i) {
    wg.spawn([&, i] {
      auto c = Item::where("qty", grant::le, i % 6 + 1).async_count();
      auto all = Item::order("id").limit(i % 6 + 1).async_all();
      counts[i] = c.await();
      sizes[i] = all.await().size();
    });
  }
  wg.wait();
  for (int i = 0; i < 20; ++i) {
    BOOST_CHECK_EQUAL(counts[i], i % 6 + 1);
    BOOST_CHECK_EQUAL(sizes[i], static_cast<std::size_t>(i % 6 + 1));
  }
}

BOOST_AUTO_TEST_SUITE_END()
