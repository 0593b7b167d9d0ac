// grant::async::Coordinator and ResultCoordinator<T>, over results completed by plain
// threads (as driver workers do) and already settled results.
#define BOOST_TEST_MODULE test_coordinator
#include <boost/test/unit_test.hpp>

#include <grant/async/coordinator.hpp>
#include <grant/fiber.hpp>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
using grant::AsyncResult;
using grant::Promise;
using grant::async::Coordinator;
using grant::async::ResultCoordinator;

namespace {

// Results settled by worker threads after a delay; joins them at the end of the test.
struct Later {
  std::vector<std::thread> threads;
  ~Later() {
    for (auto& t : threads) t.join();
  }
  template <class T>
  AsyncResult<T> value(T v, std::chrono::milliseconds delay) {
    Promise<T> p;
    threads.emplace_back([p, v, delay]() mutable {
      std::this_thread::sleep_for(delay);
      p.resolve(std::move(v));
    });
    return AsyncResult<T>{p};
  }
  template <class T>
  AsyncResult<T> error(std::exception_ptr e, std::chrono::milliseconds delay) {
    Promise<T> p;
    threads.emplace_back([p, e, delay]() mutable {
      std::this_thread::sleep_for(delay);
      p.reject(e);
    });
    return AsyncResult<T>{p};
  }
};

std::exception_ptr boom(const std::string& message) { return std::make_exception_ptr(std::runtime_error(message)); }

const std::vector<std::string> kNames{"a name long enough to live on the heap, not inline",
                                      "a second name long enough to live on the heap"};

// Churns the heap, so that a reference into freed memory would read reused bytes (and
// AddressSanitizer, in the tools/test --sanitize build, reports it).
void churn() {
  std::vector<std::string> noise;
  for (int i = 0; i < 64; ++i) noise.emplace_back(100, 'z');
}

// A string list that counts its copies (moves are free).
struct Counted {
  std::shared_ptr<int> copies = std::make_shared<int>(0);
  std::vector<std::string> names = kNames;
  Counted() = default;
  Counted(const Counted& o) : copies(o.copies), names(o.names) { ++*copies; }
  Counted(Counted&&) noexcept = default;
  Counted& operator=(const Counted&) = delete;
};

}  // namespace

BOOST_AUTO_TEST_SUITE(coordinator)

BOOST_AUTO_TEST_CASE(results_come_in_insertion_order_whatever_the_completion_order) {
  Later later;
  Coordinator c;
  BOOST_CHECK_EQUAL(c.add(later.value<std::int64_t>(10, 40ms)), 0u);
  BOOST_CHECK_EQUAL(c.add(later.value<std::string>("two", 20ms)), 1u);
  BOOST_CHECK_EQUAL(c.add(later.value(std::vector<int>{3, 3, 3}, 1ms)), 2u);
  BOOST_CHECK_EQUAL(c.size(), 3u);
  auto results = c.await_all();
  BOOST_CHECK_EQUAL(results.size(), 3u);
  BOOST_CHECK_EQUAL(results.get<std::int64_t>(0), 10);
  BOOST_CHECK_EQUAL(results.get<std::string>(1), "two");
  BOOST_CHECK_EQUAL(results.get<std::vector<int>>(2).size(), 3u);
  for (const auto& e : c.errors()) BOOST_CHECK(!e);
}

BOOST_AUTO_TEST_CASE(errors_are_index_aligned_and_the_same_exception) {
  Later later;
  Coordinator c;
  auto first_error = boom("op 1 failed");
  auto second_error = boom("op 3 failed");
  c.add(later.value<int>(0, 5ms));
  c.add(AsyncResult<int>::failed(first_error));
  c.add(AsyncResult<std::string>::ready("fine"));
  c.add(later.error<double>(second_error, 15ms));
  auto results = c.await_all();
  const auto& errors = c.errors();
  BOOST_REQUIRE_EQUAL(errors.size(), 4u);
  BOOST_CHECK(!errors[0]);
  BOOST_CHECK(errors[1] == first_error);
  BOOST_CHECK(!errors[2]);
  BOOST_CHECK(errors[3] == second_error);
  BOOST_CHECK(results.errors() == errors);
  BOOST_CHECK(results.ok(0) && !results.ok(1) && results.ok(2) && !results.ok(3));
  BOOST_CHECK_EQUAL(results.get<int>(0), 0);
  BOOST_CHECK_EQUAL(results.get<std::string>(2), "fine");
  try {
    results.get<double>(3);
    BOOST_ERROR("get did not rethrow");
  } catch (...) {
    BOOST_CHECK(std::current_exception() == second_error);
  }
  BOOST_CHECK_THROW(results.get<int>(1), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(no_fail_fast_waits_for_every_operation) {
  Later later;
  Coordinator c;
  c.add(AsyncResult<int>::failed(boom("fails at once")));
  auto slow = later.value<int>(7, 50ms);
  c.add(slow);
  c.add(later.error<int>(boom("fails later"), 10ms));
  auto results = c.await_all();
  BOOST_CHECK(slow.completed());  // await_all did not return before the slow one finished
  BOOST_CHECK_EQUAL(results.get<int>(1), 7);
  BOOST_CHECK(c.errors()[0] && c.errors()[2]);
}

BOOST_AUTO_TEST_CASE(repeated_await_all_returns_the_same_at_once) {
  Later later;
  Coordinator c;
  Promise<int> p;
  c.add(AsyncResult<int>{p});
  c.add(AsyncResult<int>::failed(boom("x")));
  std::thread([p]() mutable { p.resolve(1); }).join();
  auto first = c.await_all();
  auto first_errors = c.errors();
  auto second = c.await_all();  // nothing new: everything is settled, nothing waits
  BOOST_CHECK_EQUAL(second.get<int>(0), 1);
  BOOST_CHECK(c.errors() == first_errors);
  BOOST_CHECK_EQUAL(&first.get<int>(0), &second.get<int>(0));  // the same stored value

  // Added after an await_all: the next await_all waits for it; old snapshots are unchanged.
  auto late = later.value<int>(3, 20ms);
  BOOST_CHECK_EQUAL(c.add(late), 2u);
  auto third = c.await_all();
  BOOST_CHECK(late.completed());
  BOOST_CHECK_EQUAL(third.size(), 3u);
  BOOST_CHECK_EQUAL(third.get<int>(2), 3);
  BOOST_CHECK_EQUAL(first.size(), 2u);
  BOOST_CHECK_EQUAL(c.errors().size(), 3u);
}

BOOST_AUTO_TEST_CASE(empty_coordinator_returns_at_once) {
  Coordinator c;
  BOOST_CHECK_EQUAL(c.size(), 0u);
  auto results = c.await_all();
  BOOST_CHECK_EQUAL(results.size(), 0u);
  BOOST_CHECK(c.errors().empty());
  BOOST_CHECK_NO_THROW(c.await_all_or_throw());
  BOOST_CHECK_THROW(results.get<int>(0), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(await_all_or_throw_lists_each_failure) {
  Later later;
  Coordinator c;
  c.add(AsyncResult<int>::ready(1));
  c.add(later.error<int>(boom("shard_1 unreachable"), 5ms));
  c.add(AsyncResult<int>::ready(3));
  c.add(AsyncResult<int>::failed(std::make_exception_ptr(grant::querying::NotFound("User 999999 not found"))));
  try {
    c.await_all_or_throw();
    BOOST_ERROR("await_all_or_throw did not throw");
  } catch (const grant::async::CoordinationError& e) {
    BOOST_REQUIRE_EQUAL(e.failures().size(), 2u);
    BOOST_CHECK_EQUAL(e.failures()[0].index, 1u);
    BOOST_CHECK_EQUAL(e.failures()[0].message, "shard_1 unreachable");
    BOOST_CHECK_EQUAL(e.failures()[1].index, 3u);
    BOOST_CHECK_EQUAL(e.failures()[1].message, "User 999999 not found");
    const std::string what = e.what();
    BOOST_CHECK_NE(what.find("1: shard_1 unreachable"), std::string::npos);
    BOOST_CHECK_NE(what.find("3: User 999999 not found"), std::string::npos);
  }
  BOOST_CHECK(c.errors()[1] && c.errors()[3]);  // await_all still ran to the end

  Coordinator ok;
  ok.add(AsyncResult<int>::ready(5));
  BOOST_CHECK_EQUAL(ok.await_all_or_throw().get<int>(0), 5);
}

BOOST_AUTO_TEST_CASE(get_with_the_wrong_type_or_index_throws) {
  Coordinator c;
  c.add(AsyncResult<std::int64_t>::ready(1));
  auto results = c.await_all();
  BOOST_CHECK_THROW(results.get<int>(0), grant::ConversionError);
  BOOST_CHECK_THROW(results.get<std::int64_t>(1), std::out_of_range);
}

BOOST_AUTO_TEST_CASE(add_starts_deferred_operations) {
  int started = 0;
  std::vector<std::thread> workers;
  Coordinator c;
  for (int i = 0; i < 3; ++i)
    c.add(AsyncResult<int>::deferred([&, i](Promise<int> p) {
      ++started;
      workers.emplace_back([p, i]() mutable {
        std::this_thread::sleep_for(10ms);
        p.resolve(i);
      });
    }));
  BOOST_CHECK_EQUAL(started, 3);  // all under way before anyone awaits
  auto results = c.await_all();
  for (int i = 0; i < 3; ++i) BOOST_CHECK_EQUAL(results.get<int>(i), i);
  for (auto& w : workers) w.join();
}

BOOST_AUTO_TEST_CASE(waiting_does_not_block_other_fibers) {
  Later later;
  int ticks = 0, advanced = 0;
  bool done = false;
  auto ticker = grant::fiber::spawn([&] {
    while (!done) {
      ++ticks;
      grant::fiber::sleep(1ms);
    }
  });
  Coordinator c;
  c.add(later.value<int>(1, 40ms));
  auto waiter = grant::fiber::spawn([&] {
    const int before = ticks;
    c.await_all();
    advanced = ticks - before;  // had await_all blocked the thread, the ticker could not move
    done = true;
  });
  waiter.join();
  ticker.join();
  BOOST_CHECK_GT(advanced, 0);
}

// A coordinator holding a copy of a result: the caller's rvalue await copies, so the
// coordinator still has the value; one-line reads of a temporary never dangle.
BOOST_AUTO_TEST_CASE(values_outlive_temporaries_and_shared_copies_stay_whole) {
  Later later;
  Coordinator c;
  auto names = later.value<Counted>(Counted{}, 10ms);
  c.add(names);
  Counted mine = std::move(names).await();
  BOOST_CHECK_EQUAL(*mine.copies, 2);  // Later's copy into its thread, and this one: the coordinator holds the result too
  std::size_t seen = 0;
  for (const auto& n : c.await_all().get<Counted>(0).names) {  // a temporary results object
    churn();
    BOOST_CHECK_EQUAL(n, kNames[seen++]);
  }
  BOOST_CHECK_EQUAL(seen, kNames.size());
  const auto& again = c.await_all().get<Counted>(0);
  churn();
  BOOST_TEST(again.names == kNames, boost::test_tools::per_element());
  auto results = c.await_all();
  BOOST_TEST(results.get<Counted>(0).names == kNames, boost::test_tools::per_element());

  // an rvalue coordinator hands its results over: nothing else holds them, so they move
  auto gathered = [&] {
    Coordinator local;
    local.add(later.value<Counted>(Counted{}, 5ms));
    local.add(AsyncResult<int>::failed(boom("second")));
    return std::move(local).await_all();
  }();
  BOOST_CHECK(!gathered.ok(1));
  Counted moved = std::move(gathered).get<Counted>(0);
  BOOST_CHECK_EQUAL(*moved.copies, 1);  // the one copy Later made into its thread
  BOOST_TEST(moved.names == kNames, boost::test_tools::per_element());
  BOOST_CHECK_THROW(std::move(gathered).get<int>(1), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(result_coordinator)

BOOST_AUTO_TEST_CASE(await_all_on_an_rvalue_returns_the_values) {
  Later later;
  auto shared = later.value<std::string>(kNames[0], 10ms);
  auto values = [&] {
    ResultCoordinator<std::string> c;
    c.add(shared);  // the caller keeps a copy: the coordinator copies this one
    c.add(later.value<std::string>(kNames[1], 1ms));
    c.add(AsyncResult<std::optional<std::string>>::ready(std::nullopt));
    return std::move(c).await_all();
  }();
  churn();
  BOOST_REQUIRE_EQUAL(values.size(), 3u);
  BOOST_CHECK_EQUAL(values[0].value_or("-"), kNames[0]);
  BOOST_CHECK_EQUAL(values[1].value_or("-"), kNames[1]);
  BOOST_CHECK(!values[2]);
  BOOST_CHECK_EQUAL(shared.await(), kNames[0]);  // still whole in the caller's copy
  ResultCoordinator<std::int64_t> counts;
  counts.add(AsyncResult<std::int64_t>::ready(2));
  const auto& first = std::move(counts).await_all_or_throw();
  churn();
  BOOST_REQUIRE_EQUAL(first.size(), 1u);
  BOOST_CHECK_EQUAL(first[0].value_or(-1), 2);
}

BOOST_AUTO_TEST_CASE(optional_and_plain_results_in_order) {
  Later later;
  ResultCoordinator<std::string> c;
  BOOST_CHECK_EQUAL(c.add(later.value<std::optional<std::string>>("alice", 30ms)), 0u);  // async_find: found
  BOOST_CHECK_EQUAL(c.add(AsyncResult<std::optional<std::string>>::ready(std::nullopt)), 1u);  // found nothing
  BOOST_CHECK_EQUAL(c.add(later.value<std::string>("admin", 5ms)), 2u);  // async_first_or_throw
  auto failure = std::make_exception_ptr(grant::querying::NotFound("User not found"));
  BOOST_CHECK_EQUAL(c.add(AsyncResult<std::string>::failed(failure)), 3u);
  BOOST_CHECK_EQUAL(c.size(), 4u);

  std::vector<std::optional<std::string>> users = c.await_all();
  BOOST_REQUIRE_EQUAL(users.size(), 4u);
  BOOST_CHECK_EQUAL(users[0].value_or("-"), "alice");
  BOOST_CHECK(!users[1]);
  BOOST_CHECK_EQUAL(users[2].value_or("-"), "admin");
  BOOST_CHECK(!users[3]);
  BOOST_CHECK(!c.errors()[0] && !c.errors()[1] && !c.errors()[2]);
  BOOST_CHECK(c.errors()[3] == failure);  // nullopt from an error, not from "found nothing"
  BOOST_CHECK_EQUAL(&c.await_all(), &c.await_all());
  BOOST_CHECK_THROW(c.await_all_or_throw(), grant::async::CoordinationError);
}

BOOST_AUTO_TEST_CASE(shard_counts_sum) {
  Later later;
  ResultCoordinator<std::int64_t> counts;
  counts.add(later.value<std::int64_t>(3, 10ms));
  counts.add(later.value<std::int64_t>(4, 1ms));
  counts.add(AsyncResult<std::int64_t>::ready(5));
  BOOST_CHECK_EQUAL(counts.sum(), 12);
  BOOST_CHECK_NO_THROW(counts.await_all_or_throw());
  counts.add(later.error<std::int64_t>(boom("shard_3 down"), 5ms));
  BOOST_CHECK_EQUAL(counts.sum(), 12);  // the failed shard adds nothing...
  BOOST_CHECK(counts.errors()[3]);     // ...and says so here
  try {
    counts.await_all_or_throw();
    BOOST_ERROR("no CoordinationError");
  } catch (const grant::async::CoordinationError& e) {
    BOOST_REQUIRE_EQUAL(e.failures().size(), 1u);
    BOOST_CHECK_EQUAL(e.failures()[0].index, 3u);
  }
  ResultCoordinator<double> none;
  BOOST_CHECK_EQUAL(none.sum(), 0.0);
  BOOST_CHECK(none.await_all().empty());
}

BOOST_AUTO_TEST_SUITE_END()
