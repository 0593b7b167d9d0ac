// grant::fiber: spawn, Channel, WaitGroup, yield, sleep — within one thread and across threads.
#define BOOST_TEST_MODULE test_fiber
#include <boost/test/unit_test.hpp>

#include <grant/fiber.hpp>

#include <atomic>
#include <chrono>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

using namespace std::chrono_literals;
namespace gf = grant::fiber;

BOOST_AUTO_TEST_SUITE(channel)

BOOST_AUTO_TEST_CASE(ping_pong_between_two_fibers) {
  gf::Channel<int> ping, pong;
  std::vector<int> seen_by_b;
  auto a = gf::spawn([&] {
    int n = 0;
    for (int round = 0; round < 100; ++round) {
      ping.send(n);
      n = *pong.receive() + 1;
    }
    ping.close();
  });
  auto b = gf::spawn([&] {
    while (auto n = ping.receive()) {
      seen_by_b.push_back(*n);
      pong.send(*n + 1);
    }
  });
  a.join();
  b.join();
  BOOST_REQUIRE_EQUAL(seen_by_b.size(), 100u);
  for (int i = 0; i < 100; ++i) BOOST_CHECK_EQUAL(seen_by_b[i], 2 * i);
}

// 4 producers and 4 consumers, half of each on a second thread, through a buffer of 8.
BOOST_AUTO_TEST_CASE(many_producers_and_consumers_across_threads) {
  constexpr int producers = 4, per_producer = 2500, total = producers * per_producer;
  gf::Channel<int> channel{8};
  gf::WaitGroup producing{producers};
  std::vector<std::vector<int>> received(4);

  auto run_side = [&](int side) {  // side 0: main thread, side 1: second thread
    std::vector<gf::Fiber> fibers;
    for (int p = side * 2; p < side * 2 + 2; ++p)
      fibers.push_back(gf::spawn([&, p] {
        for (int i = 0; i < per_producer; ++i) channel.send(p * per_producer + i);
        producing.done();
      }));
    for (int c = side * 2; c < side * 2 + 2; ++c)
      fibers.push_back(gf::spawn([&, c] {
        while (auto v = channel.receive()) received[c].push_back(*v);
      }));
    if (side == 0)
      fibers.push_back(gf::spawn([&] {
        producing.wait();
        channel.close();
      }));
    for (auto& f : fibers) f.join();
  };
  std::thread second([&] { run_side(1); });
  run_side(0);
  second.join();

  std::vector<int> count(total, 0);
  std::size_t n = 0;
  for (const auto& r : received) {
    n += r.size();
    for (int v : r) {
      BOOST_REQUIRE(v >= 0 && v < total);
      ++count[v];
    }
  }
  BOOST_CHECK_EQUAL(n, static_cast<std::size_t>(total));
  for (int v = 0; v < total; ++v)
    if (count[v] != 1) BOOST_ERROR("message " << v << " arrived " << count[v] << " times");
  // Each consumer sees one producer's messages in send order.
  for (const auto& r : received) {
    std::vector<int> last(producers, -1);
    for (int v : r) {
      BOOST_CHECK_GT(v, last[v / per_producer]);
      last[v / per_producer] = v;
    }
  }
}

BOOST_AUTO_TEST_CASE(closed_buffered_channel_drains_then_returns_nullopt) {
  gf::Channel<std::string> channel{3};
  channel.send("a");
  channel.send("b");
  BOOST_CHECK(!channel.closed());
  channel.close();
  channel.close();  // idempotent
  BOOST_CHECK(channel.closed());
  BOOST_CHECK_THROW(channel.send("c"), gf::ChannelClosed);
  BOOST_CHECK_THROW(channel.send("c"), grant::Error);
  BOOST_CHECK_EQUAL(channel.receive().value_or("?"), "a");
  BOOST_CHECK_EQUAL(channel.receive().value_or("?"), "b");
  BOOST_CHECK(!channel.receive().has_value());
  BOOST_CHECK(!channel.receive().has_value());
}

BOOST_AUTO_TEST_CASE(close_wakes_blocked_receivers_and_senders) {
  gf::Channel<int> empty{2}, full{1}, unbuffered;
  full.send(1);
  int receivers_woken = 0, senders_threw = 0;
  std::vector<gf::Fiber> fibers;
  for (int i = 0; i < 3; ++i)
    fibers.push_back(gf::spawn([&] {
      if (!empty.receive()) ++receivers_woken;
    }));
  fibers.push_back(gf::spawn([&] {
    try {
      full.send(2);
    } catch (const gf::ChannelClosed&) {
      ++senders_threw;
    }
  }));
  fibers.push_back(gf::spawn([&] {
    try {
      unbuffered.send(3);
    } catch (const gf::ChannelClosed&) {
      ++senders_threw;
    }
  }));
  for (int i = 0; i < 5; ++i) gf::yield();
  BOOST_CHECK_EQUAL(receivers_woken, 0);
  BOOST_CHECK_EQUAL(senders_threw, 0);
  empty.close();
  full.close();
  unbuffered.close();
  for (auto& f : fibers) f.join();
  BOOST_CHECK_EQUAL(receivers_woken, 3);
  BOOST_CHECK_EQUAL(senders_threw, 2);
  BOOST_CHECK_EQUAL(full.receive().value_or(-1), 1);  // buffered before close: still delivered
  BOOST_CHECK(!full.receive());
  BOOST_CHECK(!unbuffered.receive());  // the interrupted unbuffered send delivered nothing
}

BOOST_AUTO_TEST_CASE(unbuffered_send_waits_for_a_receiver) {
  gf::Channel<int> channel;  // capacity 0
  BOOST_CHECK_EQUAL(channel.capacity(), 0u);
  bool sent = false;
  auto sender = gf::spawn([&] {
    channel.send(42);
    sent = true;
  });
  for (int i = 0; i < 10; ++i) gf::yield();
  BOOST_CHECK(!sent);
  BOOST_CHECK_EQUAL(channel.receive().value_or(-1), 42);
  sender.join();
  BOOST_CHECK(sent);
}

BOOST_AUTO_TEST_CASE(buffered_send_blocks_only_when_full_for_any_capacity) {
  gf::Channel<int> channel{3};  // not a power of two
  int sent = 0;
  auto sender = gf::spawn([&] {
    for (int i = 0; i < 5; ++i) {
      channel.send(i);
      ++sent;
    }
  });
  for (int i = 0; i < 10; ++i) gf::yield();
  BOOST_CHECK_EQUAL(sent, 3);
  BOOST_CHECK_EQUAL(channel.receive().value_or(-1), 0);
  for (int i = 0; i < 10; ++i) gf::yield();
  BOOST_CHECK_EQUAL(sent, 4);
  for (int i = 1; i < 5; ++i) BOOST_CHECK_EQUAL(channel.receive().value_or(-1), i);
  sender.join();
  BOOST_CHECK_EQUAL(sent, 5);
}

BOOST_AUTO_TEST_CASE(unbuffered_channel_between_threads) {
  gf::Channel<int> channel;
  long sum = 0;
  std::thread consumer([&] {
    while (auto v = channel.receive()) sum += *v;
  });
  for (int i = 1; i <= 300; ++i) channel.send(i);  // each send is a cross-thread rendezvous
  channel.close();
  consumer.join();
  BOOST_CHECK_EQUAL(sum, 45150);
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(wait_group)

BOOST_AUTO_TEST_CASE(waits_for_a_thousand_fibers) {
  gf::WaitGroup group;
  int finished = 0;
  for (int i = 0; i < 1000; ++i) {
    group.add(1);
    gf::spawn([&, i] {
      if (i % 3 == 0) gf::sleep(1ms);
      gf::yield();
      ++finished;
      group.done();
    });
  }
  BOOST_CHECK_EQUAL(finished, 0);  // nothing ran yet: spawn does not switch
  group.wait();
  BOOST_CHECK_EQUAL(finished, 1000);
  BOOST_CHECK_EQUAL(group.count(), 0);
  group.wait();  // at zero: returns at once
}

BOOST_AUTO_TEST_CASE(spawn_member_counts_and_survives_exceptions) {
  gf::WaitGroup group;
  int finished = 0;
  for (int i = 0; i < 10; ++i)
    group.spawn([&, i] {
      gf::yield();
      ++finished;
      if (i == 5) throw std::runtime_error("fiber 5 fails (expected in this test)");
    });
  BOOST_CHECK_EQUAL(group.count(), 10);
  group.wait();
  BOOST_CHECK_EQUAL(finished, 10);
}

BOOST_AUTO_TEST_CASE(negative_counter_throws_and_changes_nothing) {
  gf::WaitGroup group;
  BOOST_CHECK_THROW(group.done(), gf::NegativeCounter);
  group.add(2);
  BOOST_CHECK_THROW(group.add(-3), grant::Error);
  BOOST_CHECK_EQUAL(group.count(), 2);
  group.done();
  group.done();
  BOOST_CHECK_THROW(group.done(), gf::NegativeCounter);
  BOOST_CHECK_EQUAL(group.count(), 0);
  BOOST_CHECK_THROW(gf::WaitGroup{-1}, gf::NegativeCounter);
}

BOOST_AUTO_TEST_CASE(fibers_of_other_threads_finish_the_group) {
  gf::WaitGroup group{4};
  std::atomic<int> finished{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 2; ++t)
    threads.emplace_back([&] {
      std::vector<gf::Fiber> fibers;
      for (int i = 0; i < 2; ++i)
        fibers.push_back(gf::spawn([&] {
          gf::sleep(5ms);
          ++finished;
          group.done();
        }));
      for (auto& f : fibers) f.join();
    });
  int ticks = 0;
  auto ticker = gf::spawn([&] {
    while (group.count() > 0) {
      ++ticks;
      gf::sleep(1ms);
    }
  });
  group.wait();
  BOOST_CHECK_EQUAL(finished.load(), 4);
  ticker.join();
  for (auto& t : threads) t.join();
  BOOST_CHECK_GT(ticks, 0);  // the main thread's other fiber ran while we waited
}

BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_SUITE(spawn_yield_sleep)

BOOST_AUTO_TEST_CASE(join_rethrows_the_fibers_exception) {
  auto fiber = gf::spawn([] { throw std::runtime_error("boom"); });
  BOOST_CHECK(fiber.joinable());
  try {
    fiber.join();
    BOOST_ERROR("join did not rethrow");
  } catch (const std::runtime_error& e) {
    BOOST_CHECK_EQUAL(std::string(e.what()), "boom");
  }
  BOOST_CHECK(!fiber.joinable());
}

BOOST_AUTO_TEST_CASE(detached_fiber_runs_to_completion) {
  bool ran = false;
  gf::WaitGroup group{1};
  gf::spawn([&] {
    gf::yield();
    ran = true;
    group.done();
  });  // handle dropped: detached
  BOOST_CHECK(!ran);
  group.wait();
  BOOST_CHECK(ran);
}

BOOST_AUTO_TEST_CASE(yield_interleaves_fibers_of_a_thread) {
  std::string trace;
  auto a = gf::spawn([&] {
    for (int i = 0; i < 3; ++i) {
      trace += 'a';
      gf::yield();
    }
  });
  auto b = gf::spawn([&] {
    for (int i = 0; i < 3; ++i) {
      trace += 'b';
      gf::yield();
    }
  });
  a.join();
  b.join();
  BOOST_CHECK_EQUAL(trace, "ababab");
}

BOOST_AUTO_TEST_CASE(sleep_suspends_only_the_fiber) {
  int ticks = 0;
  bool sleeper_done = false;
  auto sleeper = gf::spawn([&] {
    gf::sleep(30ms);
    sleeper_done = true;
  });
  auto ticker = gf::spawn([&] {
    while (!sleeper_done) {
      ++ticks;
      gf::yield();
    }
  });
  auto start = std::chrono::steady_clock::now();
  sleeper.join();
  ticker.join();
  BOOST_CHECK_GE(std::chrono::steady_clock::now() - start, 30ms);
  BOOST_CHECK_GT(ticks, 0);  // had sleep blocked the thread, the ticker would start only after it
}

BOOST_AUTO_TEST_SUITE_END()
