// grant::Promise and grant::AsyncResult: fibers on several threads, plain worker threads.
#define BOOST_TEST_MODULE test_promise
#include <boost/test/unit_test.hpp>

#include <grant/async/async_result.hpp>
#include <grant/fiber.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace gf = grant::fiber;

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
