// The async convenience features of Grant (Crystal), each usage example translated to C++,
// with exact expected values; then the properties they promise (concurrent queries take
// about the slowest one's time, the pool
// bounds concurrency, errors reach await) checked on the same data.
#define BOOST_TEST_MODULE test_seed
#include <boost/test/unit_test.hpp>

#include "tests/support/model_support.hpp"
#include "tests/support/skip.hpp"

#include <grant/grant.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <set>
#include <thread>

namespace {

using namespace std::chrono_literals;

struct Post;
struct Comment;

struct User : grant::Model<User> {
  std::optional<std::int64_t> id;
  std::string email;
  std::string name;
  bool active = true;
  std::int64_t views = 0;
  std::optional<grant::Time> created_at, updated_at;
  static auto schema() {
    return grant::Schema<User>("users").primary_key().timestamps()
        .columns("email", &User::email, "name", &User::name, "active", &User::active, "views", &User::views)
        .has_many<Post>("posts");
  }
};

struct Post : grant::Model<Post> {
  std::optional<std::int64_t> id;
  std::int64_t user_id = 0;
  std::string title;
  std::int64_t views = 0;
  static auto schema() {
    return grant::Schema<Post>("posts").primary_key()
        .columns("user_id", &Post::user_id, "title", &Post::title, "views", &Post::views)
        .has_many<Comment>("comments");
  }
};

struct Comment : grant::Model<Comment> {
  std::optional<std::int64_t> id;
  std::int64_t post_id = 0;
  std::string body;
  grant::Time created_at{};
  static auto schema() {
    return grant::Schema<Comment>("comments").primary_key()
        .columns("post_id", &Comment::post_id, "body", &Comment::body, "created_at", &Comment::created_at);
  }
};

struct Order : grant::Model<Order> {
  std::optional<std::int64_t> id;
  std::int64_t user_id = 0;
  double total = 0;
  static auto schema() {
    return grant::Schema<Order>("orders").primary_key().columns("user_id", &Order::user_id, "total", &Order::total);
  }
};

grant::Time now() { return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()); }

// 5 users on primary (ids 1..5, user 1 is the admin, users 4 and 5 inactive), 4 posts,
// comments so that exactly one post has more than 5 comments from the last week, orders
// of user 1 totalling 60.5; and 2, 3 and 4 users on shard_1, shard_2 and shard_3.
struct SeedData {
  SeedData() {
    User::migrator().drop_and_create();
    Post::migrator().drop_and_create();
    Comment::migrator().drop_and_create();
    Order::migrator().drop_and_create();
    const char* emails[] = {"admin@example.com", "user@example.com", "carol@example.com", "dave@example.com",
                            "erin@example.com"};
    auto t0 = now() - 10h;
    for (int i = 0; i < 5; ++i) {
      User u;
      u.email = emails[i];
      u.name = "user " + std::to_string(i + 1);
      u.active = i < 3;
      u.created_at = t0 + std::chrono::minutes(i);  // user 3 is the newest active user
      u.save_or_throw();
    }
    for (int p = 1; p <= 4; ++p) Post::create_or_throw({{"user_id", 1}, {"title", "post " + std::to_string(p)}, {"views", p * 10}});
    // post 1: 6 recent comments (> 5); post 2: 5 recent (not > 5); post 3: 4 recent + 3 old.
    auto add_comments = [](std::int64_t post, int n, grant::Time at) {
      for (int i = 0; i < n; ++i) Comment::create_or_throw({{"post_id", post}, {"body", "c"}, {"created_at", at}});
    };
    add_comments(1, 6, now() - 24h);
    add_comments(2, 5, now() - 24h);
    add_comments(3, 4, now() - 24h);
    add_comments(3, 3, now() - 24h * 30);
    for (double total : {10.25, 20.0, 30.25}) Order::create_or_throw({{"user_id", 1}, {"total", total}});
    Order::create_or_throw({{"user_id", 2}, {"total", 99.0}});

    int per_shard[] = {2, 3, 4};
    for (int s = 0; s < 3; ++s) {
      std::string shard = "shard_" + std::to_string(s + 1);
      User::migrator(shard).drop_and_create();
      for (int i = 0; i < per_shard[s]; ++i)
        User::shard(shard).create_or_throw({{"email", shard + "-" + std::to_string(i) + "@example.com"}, {"name", shard}});
    }
  }
};

struct SeedRuntime {
  // Pool of 8 per shard: the fan-out test needs at least 5 connections at once.
  SeedRuntime() : runtime(std::make_unique<grant::Runtime>(grant::test::config(8))) {}
  std::unique_ptr<grant::Runtime> runtime;
};

}  // namespace

BOOST_TEST_GLOBAL_FIXTURE(SeedRuntime);
BOOST_FIXTURE_TEST_SUITE(seed, SeedData)

// ## Basic Usage / Simple Async Operations
BOOST_AUTO_TEST_CASE(simple_async_operations) {
  auto result = User::async_find(1);
  auto user = result.await();
  BOOST_REQUIRE(user.has_value());
  BOOST_TEST(user->email == "admin@example.com");

  auto by_email = User::async_find_by({{"email", "user@example.com"}});
  auto found = by_email.await();
  BOOST_REQUIRE(found.has_value());
  BOOST_TEST(*found->id == 2);
}

// ### Concurrent Operations
BOOST_AUTO_TEST_CASE(concurrent_operations) {
  grant::async::Coordinator coordinator;
  BOOST_TEST(coordinator.add(User::async_count()) == 0u);
  BOOST_TEST(coordinator.add(Post::async_count()) == 1u);
  BOOST_TEST(coordinator.add(Comment::async_count()) == 2u);
  auto results = coordinator.await_all();
  BOOST_TEST(results.get<std::int64_t>(0) == 5);
  BOOST_TEST(results.get<std::int64_t>(1) == 4);
  BOOST_TEST(results.get<std::int64_t>(2) == 18);
}

// ### Type-Safe Result Handling
BOOST_AUTO_TEST_CASE(type_safe_result_handling) {
  grant::async::ResultCoordinator<User> coordinator;
  coordinator.add(User::async_find(1));
  coordinator.add(User::async_find_by({{"email", "admin@example.com"}}));
  coordinator.add(User::async_first());
  std::vector<std::optional<User>> users = coordinator.await_all();
  BOOST_REQUIRE(users.size() == 3u);
  for (const auto& u : users) {
    BOOST_REQUIRE(u.has_value());
    BOOST_TEST(*u->id == 1);
  }
}

// ## Available Async Methods: each one, with the value its sync form gives.
BOOST_AUTO_TEST_CASE(query_methods) {
  BOOST_TEST(User::async_find_or_throw(3).await().email == "carol@example.com");
  BOOST_TEST(!User::async_find_by({{"email", "nobody@example.com"}}).await().has_value());
  BOOST_TEST(*User::async_find_by_or_throw({{"name", "user 4"}}).await().id == 4);
  BOOST_TEST(*User::async_first().await()->id == 1);
  BOOST_TEST(*User::async_first_or_throw().await().id == 1);
  BOOST_TEST(*User::async_last().await()->id == 5);
  BOOST_TEST(*User::async_last_or_throw().await().id == 5);
  BOOST_TEST(User::async_all().await().size() == 5u);
  BOOST_TEST(User::async_exists({{"email", "admin@example.com"}}).await());
  BOOST_TEST(!User::async_exists({{"email", "nobody@example.com"}}).await());
  BOOST_TEST(User::where({{"active", false}}).async_exists().await());
}

BOOST_AUTO_TEST_CASE(aggregation_methods) {
  BOOST_TEST(Post::async_count().await() == 4);
  BOOST_TEST(Post::async_sum("views").await() == 100.0);
  BOOST_TEST(Post::async_sum<std::int64_t>("views").await() == 100);
  BOOST_TEST(*Post::async_avg("views").await() == 25.0);
  BOOST_TEST(Post::async_min<std::int64_t>("views").await().value() == 10);
  BOOST_TEST(Post::async_max<std::int64_t>("views").await().value() == 40);
  BOOST_TEST(Post::async_max("views").await()->as<std::int64_t>() == 40);  // grant::Value by default
  auto titles = Post::order("id", grant::asc).async_pluck<std::string>("title").await();
  BOOST_TEST(titles == (std::vector<std::string>{"post 1", "post 2", "post 3", "post 4"}), boost::test_tools::per_element());
  BOOST_TEST(Post::order("views", grant::desc).async_pick<std::string>("title").await().value() == "post 4");
}

BOOST_AUTO_TEST_CASE(bulk_operations) {
  BOOST_TEST(User::where({{"active", false}}).async_update_all({{"views", 7}}).await() == 2);
  BOOST_TEST(User::where({{"views", 7}}).count() == 2);
  BOOST_TEST(Comment::where({{"post_id", 3}}).async_delete_all().await() == 7);
  BOOST_TEST(Comment::count() == 11);
}

BOOST_AUTO_TEST_CASE(instance_methods) {
  User u;
  u.email = "new@example.com";
  u.name = "new";
  BOOST_TEST(u.async_save().await());
  BOOST_REQUIRE(u.id.has_value());
  BOOST_TEST(*u.id == 6);
  BOOST_TEST(u.created_at.has_value());

  User v;
  v.email = "other@example.com";
  v.name = "other";
  BOOST_TEST(v.async_save_or_throw().await());
  BOOST_TEST(u.async_update({{"name", "renamed"}}).await());
  BOOST_TEST(User::find_or_throw(*u.id).name == "renamed");
  BOOST_TEST(v.async_update_or_throw({{"views", 3}}).await());
  BOOST_TEST(User::find_or_throw(*v.id).views == 3);
  BOOST_TEST(u.async_destroy().await());
  BOOST_TEST(!User::exists({{"id", *u.id}}));
}

// ## Query Builder Integration
BOOST_AUTO_TEST_CASE(query_builder_integration) {
  auto active_users = User::where({{"active", true}}).order("created_at", grant::desc).limit(10).async_all().await();
  BOOST_REQUIRE(active_users.size() == 3u);
  BOOST_TEST(*active_users[0].id == 3);
  BOOST_TEST(*active_users[2].id == 1);

  auto user = User::find_or_throw(1);
  auto total_spend = Order::where({{"user_id", *user.id}}).async_sum("total").await();
  BOOST_TEST(total_spend == 60.5);

  auto week_ago = now() - 24h * 7;
  auto result = Post::joins("comments")
                    .where("comments.created_at > ?", {week_ago})
                    .group("posts.id")
                    .having("COUNT(comments.id) > ?", {5})
                    .async_count()
                    .await();
  BOOST_TEST(result == 1);  // only post 1 has more than 5 comments from the last week
}

// ## Sharding Support
BOOST_AUTO_TEST_CASE(sharding_support) {
  auto result = User::shard("shard_1").async_find(2);
  auto user = result.await();
  BOOST_REQUIRE(user.has_value());
  BOOST_TEST(user->email == "shard_1-1@example.com");

  grant::async::Coordinator coordinator;
  for (std::string shard : {"shard_1", "shard_2", "shard_3"}) coordinator.add(User::shard(shard).async_count());
  auto shard_counts = coordinator.await_all();
  std::int64_t total_users = 0;
  for (std::size_t i = 0; i < shard_counts.size(); ++i) total_users += shard_counts.get<std::int64_t>(i);
  BOOST_TEST(total_users == 9);

  // The same with the typed coordinator's sum (what Crystal's `shard_counts.sum` reads as).
  grant::async::ResultCoordinator<std::int64_t> typed;
  for (std::string shard : {"shard_1", "shard_2", "shard_3"}) typed.add(User::shard(shard).async_count());
  auto counts = typed.await_all();
  BOOST_TEST(counts[0].value() == 2);
  BOOST_TEST(counts[1].value() == 3);
  BOOST_TEST(counts[2].value() == 4);
  BOOST_TEST(typed.sum() == 9);
}

BOOST_AUTO_TEST_CASE(unknown_shard_fails_at_await) {
  auto result = User::shard("shard_9").async_count();  // must not throw here
  BOOST_CHECK_THROW(result.await(), grant::UnknownShard);
  try {
    result.await();
  } catch (const grant::UnknownShard& e) {
    BOOST_TEST(std::string(e.what()).find("shard_1") != std::string::npos);  // lists the known shards
  }
}

// ## Error Handling
BOOST_AUTO_TEST_CASE(error_handling) {
  bool rescued = false;
  try {
    auto user = User::async_find_or_throw(999999).await();
  } catch (const grant::querying::NotFound& e) {
    rescued = true;
    BOOST_TEST(std::string(e.what()).find("User") != std::string::npos);
  }
  BOOST_TEST(rescued);

  auto result = User::async_find(999999);
  BOOST_TEST(!result.await().has_value());  // not found is an empty optional, not an error
}

// ### Coordinator Error Handling
BOOST_AUTO_TEST_CASE(coordinator_error_handling) {
  grant::async::Coordinator coordinator;
  coordinator.add(User::async_find_or_throw(1));
  coordinator.add(User::async_find_or_throw(999999));  // will fail
  coordinator.add(User::async_find_or_throw(3));
  auto results = coordinator.await_all();  // does not throw
  const auto& errors = coordinator.errors();
  BOOST_REQUIRE(errors.size() == 3u);
  BOOST_TEST(!errors[0]);
  BOOST_TEST(static_cast<bool>(errors[1]));
  BOOST_TEST(!errors[2]);
  BOOST_CHECK_THROW(std::rethrow_exception(errors[1]), grant::querying::NotFound);
  BOOST_TEST(*results.get<User>(0).id == 1);
  BOOST_TEST(*results.get<User>(2).id == 3);
  BOOST_CHECK_THROW(results.get<User>(1), grant::querying::NotFound);
  BOOST_CHECK_THROW(coordinator.await_all_or_throw(), grant::async::CoordinationError);
}

// ## Example: Efficient Dashboard Loading — both forms give the same data.
BOOST_AUTO_TEST_CASE(dashboard_sync_and_async_agree) {
  auto user_count = User::count();
  auto post_count = Post::count();
  auto comment_count = Comment::count();
  auto recent_users = User::order("created_at", grant::desc).limit(5).all();
  auto popular_posts = Post::order("views", grant::desc).limit(10).all();

  grant::async::Coordinator coordinator;
  coordinator.add(User::async_count());
  coordinator.add(Post::async_count());
  coordinator.add(Comment::async_count());
  coordinator.add(User::order("created_at", grant::desc).limit(5).async_all());
  coordinator.add(Post::order("views", grant::desc).limit(10).async_all());
  auto results = coordinator.await_all();

  BOOST_TEST(results.get<std::int64_t>(0) == user_count);
  BOOST_TEST(results.get<std::int64_t>(1) == post_count);
  BOOST_TEST(results.get<std::int64_t>(2) == comment_count);
  auto ids = [](const auto& records) {
    std::vector<std::int64_t> out;
    for (const auto& r : records) out.push_back(*r.id);
    return out;
  };
  BOOST_TEST(ids(results.get<std::vector<User>>(3)) == ids(recent_users), boost::test_tools::per_element());
  BOOST_TEST(ids(results.get<std::vector<Post>>(4)) == ids(popular_posts), boost::test_tools::per_element());
  BOOST_TEST(ids(popular_posts) == (std::vector<std::int64_t>{4, 3, 2, 1}), boost::test_tools::per_element());
}

// "Total time: approximately the slowest query time" — on a server that can sleep.
BOOST_AUTO_TEST_CASE(concurrent_queries_take_about_the_slowest,
                     *grant::test::only_if(&grant::test::Backend::server, "needs a server-side sleep")) {
  const auto& b = grant::test::backend();
  BOOST_REQUIRE(!b.sleep_sql(0.2).empty());
  auto shard = grant::Runtime::current().shard("primary");
  // Open 5 connections first, so the timing below measures queries, not connecting.
  {
    grant::async::Coordinator warm;
    for (int i = 0; i < 5; ++i) warm.add(shard.async_query(b.sleep_sql(0.05)));
    warm.await_all_or_throw();
  }
  grant::async::Coordinator coordinator;
  auto t0 = std::chrono::steady_clock::now();
  for (int i = 0; i < 5; ++i) coordinator.add(shard.async_query(b.sleep_sql(0.2)));
  coordinator.await_all_or_throw();
  auto elapsed = std::chrono::steady_clock::now() - t0;
  BOOST_TEST_MESSAGE("5 x 200 ms concurrently: " << std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count()
                                                 << " ms");
  BOOST_TEST(elapsed >= 200ms);
  BOOST_TEST(elapsed < 400ms);  // generous: sequential would be 1000 ms; the ratio belongs in tools/bench
}

// "Pool size limits concurrent operations automatically"; "connections are returned
// immediately after query completion".
BOOST_AUTO_TEST_CASE(pool_bounds_concurrency) {
  std::vector<grant::AsyncResult<std::int64_t>> ops;
  for (int i = 0; i < 200; ++i) ops.push_back(User::where({{"active", true}}).async_count());
  for (auto& op : ops) BOOST_TEST(op.await() == 3);
  auto stats = grant::Runtime::current().shard("primary").pool_stats();
  BOOST_TEST(stats.max_open_seen <= stats.size);
  BOOST_TEST(stats.size == 8u);
}

// "AsyncResult#start, #await, #completed?, #promise"; Promise#resolve/#reject/#get.
BOOST_AUTO_TEST_CASE(async_result_and_promise) {
  auto result = User::async_count();
  BOOST_TEST(&result.start() == &result);
  BOOST_TEST(result.await() == 5);
  BOOST_TEST(result.completed());
  BOOST_TEST(result.promise().get() == 5);

  grant::Promise<int> promise;
  grant::AsyncResult<int> pending{promise};
  BOOST_TEST(!pending.completed());
  promise.resolve(42);
  promise.reject(std::make_exception_ptr(std::runtime_error("late")));  // ignored: first wins
  BOOST_TEST(pending.await() == 42);
  BOOST_TEST(promise.get() == 42);
}

// One AsyncResult awaited by a Coordinator and by 3 other fibers: all get the value.
BOOST_AUTO_TEST_CASE(one_result_many_awaiters) {
  auto shared = User::where({{"active", true}}).async_count();
  std::atomic<int> seen{0};
  grant::fiber::WaitGroup wg;
  for (int i = 0; i < 3; ++i)
    wg.spawn([&] {
      if (shared.await() == 3) ++seen;
    });
  grant::async::Coordinator coordinator;
  coordinator.add(shared);
  auto results = coordinator.await_all();
  wg.wait();
  BOOST_TEST(results.get<std::int64_t>(0) == 3);
  BOOST_TEST(seen.load() == 3);
}

// Async ops issued at once from 4 plain std::threads and from fibers.
BOOST_AUTO_TEST_CASE(async_from_threads_and_fibers) {
  std::atomic<int> right{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t)
    threads.emplace_back([&, t] {
      std::vector<grant::AsyncResult<std::optional<User>>> finds;
      for (int i = 0; i < 10; ++i) finds.push_back(User::async_find(1 + (t + i) % 5));
      for (int i = 0; i < 10; ++i)
        if (finds[i].await() && *finds[i].await()->id == 1 + (t + i) % 5) ++right;
    });
  grant::fiber::WaitGroup wg;
  for (int f = 0; f < 10; ++f)
    wg.spawn([&, f] {
      if (User::shard("shard_3").async_count().await() == 4 && User::async_find(1 + f % 5).await()) ++right;
    });
  wg.wait();
  for (auto& t : threads) t.join();
  BOOST_TEST(right.load() == 50);
}

// async_save of 100 new records at once: 100 distinct ids.
BOOST_AUTO_TEST_CASE(hundred_async_saves) {
  std::vector<User> users(100);
  std::vector<grant::AsyncResult<bool>> saves;
  for (int i = 0; i < 100; ++i) {
    users[i].email = "bulk" + std::to_string(i) + "@example.com";
    users[i].name = "bulk";
    saves.push_back(users[i].async_save());
  }
  std::set<std::int64_t> ids;
  for (int i = 0; i < 100; ++i) {
    BOOST_TEST(saves[i].await());
    BOOST_REQUIRE(users[i].id.has_value());
    ids.insert(*users[i].id);
  }
  BOOST_TEST(ids.size() == 100u);
  BOOST_TEST(User::where({{"name", "bulk"}}).count() == 100);
}

// An async query inside a transaction sees the transaction's uncommitted row; after
// rollback the row is gone.
BOOST_AUTO_TEST_CASE(async_inside_transaction) {
  std::int64_t seen_inside = -1;
  User::transaction([&] {
    User::create_or_throw({{"email", "tx@example.com"}, {"name", "tx"}});
    seen_inside = User::where({{"email", "tx@example.com"}}).async_count().await();
    throw grant::Rollback();
  });
  BOOST_TEST(seen_inside == 1);
  BOOST_TEST(User::where({{"email", "tx@example.com"}}).async_count().await() == 0);
}

BOOST_AUTO_TEST_SUITE_END()
