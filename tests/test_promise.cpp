// grant::Promise and grant::AsyncResult: fibers on several threads, plain worker threads.
#define BOOST_TEST_MODULE test_promise
#include <boost/test/unit_test.hpp>

#include <grant/async/async_result.hpp>
#include <grant/fiber.hpp>

#include <atomic>
#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace gf = grant::fiber;

namespace {
// A value that counts its copies (moves are free), so a test can tell a move from a copy.
struct Counted {
  std::shared_ptr<int> copies = std::make_shared<int>(0);
  std::vector<std::string> items;
  Counted() = default;
  explicit Counted(std::vector<std::string> v) : items(std::move(v)) {}
  Counted(const Counted& o) : copies(o.copies), items(o.items) { ++*copies; }
  Counted(Counted&&) noexcept = default;
  Counted& operator=(const Counted& o) {
    copies = o.copies;
    items = o.items;
    ++*copies;
    return *this;
  }
  Counted& operator=(Counted&&) noexcept = default;
};

const std::vector<std::string> kWords{"a long string that lives on the heap, not in the SSO buffer",
                                      "another long string that lives on the heap as well"};

// Churns the heap, so that a reference into freed memory would read reused bytes (and
// AddressSanitizer, in the tools/test --sanitize build, reports it).
void churn() {
  std::vector<std::string> noise;
  for (int i = 0; i < 64; ++i) noise.emplace_back(100, static_cast<char>('x' + i % 3));
}
}  // namespace

BOOST_AUTO_TEST_SUITE(promise)

// 3 fibers on this thread and 2 on a second thread wait; a plain thread resolves after 50 ms.
BOOST_AUTO_TEST_CASE(resolved_from_a_thread_wakes_fibers_on_two_threads) {
  grant::Promise<std::string> promise;
  std::atomic<int> got{0};
  int counter = 0;  // advanced by a sibling fiber of this thread while the waiters wait
  bool waiting_over = false;
  std::vector<int> counter_at_wake;

  std::thread second([&] {
    std::vector<gf::Fiber> fibers;
    for (int i = 0; i < 2; ++i)
      fibers.push_back(gf::spawn([&] {
        if (promise.get() == "forty-two") ++got;
      }));
    for (auto& f : fibers) f.join();
  });
  std::vector<gf::Fiber> fibers;
  for (int i = 0; i < 3; ++i)
    fibers.push_back(gf::spawn([&] {
      const int before = counter;
      const std::string& value = promise.get();
      counter_at_wake.push_back(counter - before);
      if (value == "forty-two") ++got;
    }));
  fibers.push_back(gf::spawn([&] {
    while (!waiting_over) {
      ++counter;
      gf::sleep(1ms);
    }
  }));
  std::atomic<bool> resolved{false};  // Boost.Test assertions stay on the test thread
  std::thread resolver([&] {
    std::this_thread::sleep_for(50ms);
    resolved = promise.resolve("forty-two");
  });
  BOOST_CHECK(!promise.completed());
  for (int i = 0; i < 3; ++i) fibers[i].join();
  waiting_over = true;
  fibers[3].join();
  resolver.join();
  second.join();
  BOOST_CHECK(resolved.load());
  BOOST_CHECK(promise.completed());
  BOOST_CHECK_EQUAL(got.load(), 5);
  BOOST_REQUIRE_EQUAL(counter_at_wake.size(), 3u);
  // Had get() blocked the thread, the counter could not move between a waiter's start and
  // its wake-up. (Not more than 0: a loaded machine may run the 1 ms ticker rarely.)
  for (int advanced : counter_at_wake) BOOST_CHECK_GT(advanced, 0);
}

BOOST_AUTO_TEST_CASE(reject_gives_every_waiter_the_same_exception_object) {
  grant::Promise<int> promise;
  std::vector<std::exception_ptr> seen(4);
  std::vector<const void*> addresses(4);
  std::vector<gf::Fiber> fibers;
  for (int i = 0; i < 4; ++i)
    fibers.push_back(gf::spawn([&, i] {
      try {
        promise.get();
      } catch (const std::exception& e) {
        seen[i] = std::current_exception();
        addresses[i] = &e;
      }
    }));
  gf::yield();
  auto error = std::make_exception_ptr(std::runtime_error("nope"));
  bool rejected = false;
  std::thread([&] { rejected = promise.reject(error); }).join();
  BOOST_CHECK(rejected);
  for (auto& f : fibers) f.join();
  for (int i = 0; i < 4; ++i) {
    BOOST_CHECK(seen[i] == error);
    BOOST_CHECK_EQUAL(addresses[i], addresses[0]);
  }
  BOOST_CHECK(promise.error() == error);
  BOOST_CHECK(!promise.resolve(1));  // the first settlement wins
  BOOST_CHECK(!promise.reject(std::make_exception_ptr(std::logic_error("late"))));
  BOOST_CHECK_THROW(promise.get(), std::runtime_error);
}

BOOST_AUTO_TEST_CASE(second_resolve_is_ignored) {
  grant::Promise<int> promise;
  BOOST_CHECK(promise.error() == nullptr);
  BOOST_CHECK(promise.resolve(1));
  BOOST_CHECK(!promise.resolve(2));
  BOOST_CHECK(!promise.reject(std::make_exception_ptr(std::runtime_error("late"))));
  BOOST_CHECK_EQUAL(promise.get(), 1);
  BOOST_CHECK_EQUAL(&promise.get(), &promise.get());  // idempotent: the same object
  BOOST_CHECK(promise.error() == nullptr);
}

BOOST_AUTO_TEST_CASE(null_rejection_becomes_an_error) {
  grant::Promise<int> promise;
  promise.reject(nullptr);
  BOOST_CHECK_THROW(promise.get(), std::logic_error);
}

BOOST_AUTO_TEST_CASE(blocked_fiber_does_not_block_its_thread) {
  grant::Promise<int> promise;
  int result = 0;
  auto waiter = gf::spawn([&] { result = promise.get(); });
  auto resolver = gf::spawn([&] {  // same thread: runs only if the waiter suspended
    gf::yield();
    promise.resolve(7);
  });
  waiter.join();
  resolver.join();
  BOOST_CHECK_EQUAL(result, 7);
}

BOOST_AUTO_TEST_CASE(plain_thread_waits_without_fibers) {
  grant::Promise<int> promise;
  int result = 0;
  std::thread waiter([&] { result = promise.get(); });
  std::thread([&] {
    std::this_thread::sleep_for(10ms);
    promise.resolve(9);
  }).join();
  waiter.join();
  BOOST_CHECK_EQUAL(result, 9);
}

BOOST_AUTO_TEST_CASE(get_for_times_out_and_stays_waitable) {
  grant::Promise<int> promise;
  BOOST_CHECK(promise.get_for(5ms) == nullptr);
  promise.resolve(3);
  const int* value = promise.get_for(5ms);
  BOOST_REQUIRE(value != nullptr);
  BOOST_CHECK_EQUAL(*value, 3);
}

BOOST_AUTO_TEST_CASE(on_complete_runs_once_now_or_at_settlement) {
  grant::Promise<int> promise;
  int calls = 0;
  promise.on_complete([&] { ++calls; });
  BOOST_CHECK_EQUAL(calls, 0);
  promise.resolve(1);
  BOOST_CHECK_EQUAL(calls, 1);
  promise.resolve(2);
  BOOST_CHECK_EQUAL(calls, 1);
  promise.on_complete([&] { calls += 10; });  // already settled: runs at once
  BOOST_CHECK_EQUAL(calls, 11);
}

BOOST_AUTO_TEST_CASE(first_get_hook_runs_once) {
  grant::Promise<int> promise;
  int hook_calls = 0, hook_value = 0;
  promise.set_on_first_get([&](const int& v) {
    ++hook_calls;
    hook_value = v;
  });
  promise.resolve(5);
  BOOST_CHECK_EQUAL(promise.peek(), 5);
  BOOST_CHECK_EQUAL(hook_calls, 0);  // peek does not run it
  promise.get();
  promise.get();
  BOOST_CHECK_EQUAL(hook_calls, 1);
  BOOST_CHECK_EQUAL(hook_value, 5);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(rvalue_await)

// The one-line spellings: the value outlives the temporary result.
BOOST_AUTO_TEST_CASE(await_on_a_temporary_returns_the_value) {
  std::size_t seen = 0;
  for (const auto& word : grant::AsyncResult<std::vector<std::string>>::ready(kWords).await()) {
    churn();
    BOOST_CHECK_EQUAL(word, kWords[seen++]);
  }
  BOOST_CHECK_EQUAL(seen, kWords.size());
  const auto& words = grant::AsyncResult<std::vector<std::string>>::ready(kWords).await();
  churn();
  BOOST_TEST(words == kWords, boost::test_tools::per_element());
  const auto& n = grant::AsyncResult<std::int64_t>::ready(42).await();
  churn();
  BOOST_CHECK_EQUAL(n, 42);
  const auto& timed = grant::AsyncResult<std::string>::ready(kWords[0]).await_for(1s);
  churn();
  BOOST_CHECK_EQUAL(timed, kWords[0]);
}

BOOST_AUTO_TEST_CASE(the_only_copy_moves_its_value_out) {
  grant::Promise<Counted> producer;  // the producer's handle is not a consumer
  grant::AsyncResult<Counted> result{producer};
  std::thread worker([producer]() mutable {
    std::this_thread::sleep_for(10ms);
    producer.resolve(Counted{kWords});
  });
  Counted value = std::move(result).await();
  worker.join();
  BOOST_TEST(value.items == kWords, boost::test_tools::per_element());
  BOOST_CHECK_EQUAL(*value.copies, 0);
  // the value has gone: a second read is an error, never a moved-from value
  BOOST_CHECK_THROW(std::move(result).await(), std::logic_error);
  BOOST_CHECK_THROW(result.await(), std::logic_error);
  BOOST_CHECK_THROW(producer.get(), std::logic_error);

  auto timed = grant::AsyncResult<Counted>::ready(Counted{kWords});
  Counted v2 = std::move(timed).await_for(1s);
  BOOST_CHECK_EQUAL(*v2.copies, 0);
  BOOST_CHECK_EQUAL(v2.items.size(), 2u);

  // move-only values work through the only copy
  auto unique = grant::AsyncResult<std::unique_ptr<int>>::ready(std::make_unique<int>(7));
  std::unique_ptr<int> owned = std::move(unique).await();
  BOOST_REQUIRE(owned);
  BOOST_CHECK_EQUAL(*owned, 7);
}

BOOST_AUTO_TEST_CASE(a_shared_result_is_copied_and_every_copy_keeps_it) {
  grant::Promise<Counted> producer;
  grant::AsyncResult<Counted> result{producer};
  auto copy = result;
  producer.resolve(Counted{kWords});
  Counted value = std::move(result).await();
  BOOST_CHECK_EQUAL(*value.copies, 1);
  churn();
  BOOST_TEST(copy.await().items == kWords, boost::test_tools::per_element());
  // once a reference was handed out, even the last copy copies: the reference stays valid
  const Counted& ref = copy.await();
  result = grant::AsyncResult<Counted>::ready(Counted{});  // copy is now the only one
  Counted last = std::move(copy).await();
  BOOST_CHECK_EQUAL(*last.copies, 2);
  churn();
  BOOST_TEST(ref.items == kWords, boost::test_tools::per_element());
  // the last copy, with no reference handed out, moves
  auto first = grant::AsyncResult<Counted>::ready(Counted{kWords});
  auto second = first;
  first = grant::AsyncResult<Counted>::ready(Counted{});
  Counted moved = std::move(second).await();
  BOOST_CHECK_EQUAL(*moved.copies, 0);

  // a continuation holds a copy too
  grant::Promise<std::string> p2;
  grant::AsyncResult<std::string> r2{p2};
  auto length = r2.then([](const std::string& s) { return s.size(); });
  std::thread settle([p2]() mutable { p2.resolve(kWords[1]); });
  std::string taken = std::move(r2).await();
  settle.join();
  BOOST_CHECK_EQUAL(taken, kWords[1]);
  BOOST_CHECK_EQUAL(length.await(), kWords[1].size());
}

// Copies awaited by fibers on two threads while one fiber takes its copy's value as an
// rvalue: every waiter sees the value.
BOOST_AUTO_TEST_CASE(copies_awaited_by_many_fibers_all_see_the_value) {
  grant::Promise<std::vector<std::string>> producer;
  grant::AsyncResult<std::vector<std::string>> result{producer};
  std::atomic<int> good{0};
  auto waiter = [&good](grant::AsyncResult<std::vector<std::string>> mine, bool as_rvalue) {
    if (as_rvalue) {
      auto v = std::move(mine).await();
      if (v == kWords) ++good;
    } else if (mine.await() == kWords) {
      ++good;
    }
  };
  std::thread other([&, copy = result]() {
    std::vector<gf::Fiber> fibers;
    for (int i = 0; i < 3; ++i) fibers.push_back(gf::spawn([&, i] { waiter(copy, i == 0); }));
    for (auto& f : fibers) f.join();
  });
  std::vector<gf::Fiber> fibers;
  for (int i = 0; i < 4; ++i) fibers.push_back(gf::spawn([&, i] { waiter(result, i % 2 == 0); }));
  std::thread resolver([producer]() mutable {
    std::this_thread::sleep_for(20ms);
    producer.resolve(kWords);
  });
  for (auto& f : fibers) f.join();
  other.join();
  resolver.join();
  BOOST_CHECK_EQUAL(good.load(), 7);
  BOOST_TEST(std::move(result).await() == kWords, boost::test_tools::per_element());
}

// First-get hooks (async record writes copy their outcome back there) run before the
// value moves, and see it whole.
BOOST_AUTO_TEST_CASE(first_get_hooks_run_before_the_value_moves) {
  grant::Promise<std::vector<std::string>> producer;
  std::vector<std::string> hook_saw;
  bool finished = false;
  producer.set_on_first_get([&](const std::vector<std::string>& v) { hook_saw = v; });
  producer.set_on_first_finish([&] { finished = true; });
  grant::AsyncResult<std::vector<std::string>> result{producer};
  producer.resolve(kWords);
  auto value = std::move(result).await();
  BOOST_CHECK(finished);
  BOOST_TEST(hook_saw == kWords, boost::test_tools::per_element());
  BOOST_TEST(value == kWords, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(promise_get_on_an_rvalue) {
  grant::Promise<Counted> alone;
  alone.resolve(Counted{kWords});
  Counted moved = std::move(alone).get();
  BOOST_CHECK_EQUAL(*moved.copies, 0);

  grant::Promise<Counted> shared;
  auto other = shared;
  shared.resolve(Counted{kWords});
  Counted copied = std::move(shared).get();
  BOOST_CHECK_EQUAL(*copied.copies, 1);
  BOOST_TEST(other.get().items == kWords, boost::test_tools::per_element());
  auto timed = std::move(other).get_for(1s);
  BOOST_REQUIRE(timed);
  BOOST_CHECK_EQUAL(timed->items.size(), 2u);

  grant::Promise<int> never;
  BOOST_CHECK(!std::move(never).get_for(5ms));
  grant::Promise<int> failed;
  failed.reject(std::make_exception_ptr(std::runtime_error("no")));
  BOOST_CHECK_THROW(std::move(failed).get(), std::runtime_error);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(async_result)

BOOST_AUTO_TEST_CASE(await_is_idempotent) {
  auto result = grant::AsyncResult<std::string>::ready("x");
  BOOST_CHECK(result.completed());
  BOOST_CHECK_EQUAL(result.await(), "x");
  BOOST_CHECK_EQUAL(&result.await(), &result.await());
  auto copy = result;  // copies share the operation
  BOOST_CHECK_EQUAL(&copy.await(), &result.await());

  auto error = std::make_exception_ptr(std::runtime_error("failed op"));
  auto failed = grant::AsyncResult<int>::failed(error);
  BOOST_CHECK(failed.completed());
  for (int i = 0; i < 2; ++i) {
    try {
      failed.await();
      BOOST_ERROR("await did not throw");
    } catch (...) {
      BOOST_CHECK(std::current_exception() == error);
    }
  }
}

BOOST_AUTO_TEST_CASE(await_for_times_out_then_succeeds) {
  grant::Promise<int> promise;
  grant::AsyncResult<int> result{promise};
  std::thread worker([promise]() mutable {
    std::this_thread::sleep_for(60ms);
    promise.resolve(11);
  });
  BOOST_CHECK_THROW(result.await_for(5ms), grant::async::Timeout);
  BOOST_CHECK_THROW(result.await_for(5ms), grant::Error);
  BOOST_CHECK(!result.completed());
  BOOST_CHECK_EQUAL(result.await(), 11);
  BOOST_CHECK(result.completed());
  BOOST_CHECK_EQUAL(result.await_for(1ms), 11);
  worker.join();
}

BOOST_AUTO_TEST_CASE(awaited_from_fibers_of_another_thread) {
  grant::Promise<int> promise;
  grant::AsyncResult<int> result{promise};
  std::atomic<int> sum{0};
  std::thread other([&] {
    std::vector<gf::Fiber> fibers;
    for (int i = 0; i < 3; ++i) fibers.push_back(gf::spawn([&, r = result]() mutable { sum += r.await(); }));
    for (auto& f : fibers) f.join();
  });
  std::this_thread::sleep_for(10ms);
  promise.resolve(4);
  other.join();
  BOOST_CHECK_EQUAL(sum.load(), 12);
}

BOOST_AUTO_TEST_CASE(then_maps_values_and_passes_errors) {
  grant::Promise<int> promise;
  grant::AsyncResult<int> result{promise};
  auto doubled = result.then([](const int& v) { return v * 2; });
  auto text = doubled.then([](const int& v) { return std::to_string(v) + "!"; });
  BOOST_CHECK(!text.completed());
  std::thread([&] { promise.resolve(21); }).join();
  BOOST_CHECK_EQUAL(doubled.await(), 42);
  BOOST_CHECK_EQUAL(text.await(), "42!");

  auto error = std::make_exception_ptr(std::runtime_error("upstream"));
  auto failed = grant::AsyncResult<int>::failed(error).then([](const int& v) { return v + 1; });
  BOOST_CHECK(failed.completed());
  BOOST_CHECK_THROW(failed.await(), std::runtime_error);

  auto throwing = grant::AsyncResult<int>::ready(1).then([](const int&) -> int { throw std::domain_error("in f"); });
  BOOST_CHECK_THROW(throwing.await(), std::domain_error);
}

BOOST_AUTO_TEST_CASE(deferred_starts_on_first_start_or_await_only) {
  int starts = 0;
  std::thread worker;
  auto result = grant::AsyncResult<int>::deferred([&](grant::Promise<int> p) {
    ++starts;
    worker = std::thread([p]() mutable {
      std::this_thread::sleep_for(5ms);
      p.resolve(8);
    });
  });
  gf::yield();
  BOOST_CHECK_EQUAL(starts, 0);
  BOOST_CHECK(!result.completed());
  auto copy = result;
  copy.start();
  result.start();
  BOOST_CHECK_EQUAL(starts, 1);
  BOOST_CHECK_EQUAL(result.await(), 8);
  BOOST_CHECK_EQUAL(copy.await(), 8);
  BOOST_CHECK_EQUAL(starts, 1);
  worker.join();

  int lazy_starts = 0;
  auto lazy = grant::AsyncResult<int>::deferred([&](grant::Promise<int> p) {
    ++lazy_starts;
    p.resolve(1);
  });
  BOOST_CHECK_EQUAL(lazy.await(), 1);  // await starts it
  BOOST_CHECK_EQUAL(lazy_starts, 1);

  auto throwing = grant::AsyncResult<int>::deferred([](grant::Promise<int>) { throw std::runtime_error("start"); });
  BOOST_CHECK_THROW(throwing.await(), std::runtime_error);
  BOOST_CHECK(throwing.completed());
}

BOOST_AUTO_TEST_CASE(promise_accessor_is_the_shared_promise) {
  grant::AsyncResult<int> result{grant::Promise<int>{}};
  result.promise().resolve(5);
  BOOST_CHECK(result.completed());
  BOOST_CHECK_EQUAL(result.await(), 5);
}

BOOST_AUTO_TEST_SUITE_END()
