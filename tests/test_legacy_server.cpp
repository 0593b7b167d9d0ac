// examples/legacy_server: real TCP clients on loopback against the thread-per-connection
// server, under concurrency, with the answers checked against the database afterwards.
#define BOOST_TEST_MODULE test_legacy_server
#include <boost/test/unit_test.hpp>

#include "examples/legacy_server/server.hpp"
#include "examples/legacy_server/store.hpp"

#include "tests/support/backend.hpp"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <atomic>
#include <chrono>
#include <csignal>
#include <future>
#include <istream>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <sys/socket.h>

namespace asio = boost::asio;
using tcp = asio::ip::tcp;
using namespace legacy_server;

namespace {

const std::vector<std::string> kRegions = {"shard_1", "shard_2"};
constexpr std::int64_t kInitialStock = 60;

// A blocking client with a receive time-out, so that a server that stops answering fails
// the test instead of hanging it.
class Client {
 public:
  explicit Client(unsigned short port) : socket_(io_) {
    socket_.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port));
    timeval timeout{10, 0};
    ::setsockopt(socket_.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  }
  std::string ask(const std::string& request) {
    asio::write(socket_, asio::buffer(request + "\n"));
    asio::read_until(socket_, buffer_, '\n');
    std::istream in(&buffer_);
    std::string line;
    std::getline(in, line);
    return line;
  }

 private:
  asio::io_context io_;
  tcp::socket socket_;
  asio::streambuf buffer_;
};

struct Fixture {
  grant::Runtime runtime{grant::test::config(4)};
  Store store{kRegions};
  Fixture() { store.reset({product("apple", 120, kInitialStock), product("pear", 90, kInitialStock)}); }
};

// Runs the server on a thread; stop() and join at scope end (bounded: run() returns once
// every connection has ended).
struct RunningServer {
  Server server;
  std::future<void> done;
  explicit RunningServer(const Store& store) : server(store, ServerOptions{}) {
    done = std::async(std::launch::async, [this] { server.run(); });
  }
  bool stopped_within(std::chrono::seconds limit) { return done.wait_for(limit) == std::future_status::ready; }
  ~RunningServer() {
    server.stop();
    if (done.valid()) done.wait();
  }
};

std::int64_t scalar(const std::string& region, const std::string& sql) {
  return grant::Runtime::current().shard(region).query(sql).rows.at(0).at(0).as<std::int64_t>();
}

}  // namespace

BOOST_FIXTURE_TEST_CASE(concurrent_clients_order_and_the_database_agrees, Fixture) {
  RunningServer running{store};
  const unsigned short port = running.server.port();
  constexpr int kClients = 8;
  constexpr int kOrdersEach = 12;  // 8 x 12 orders of 1-3 units > 2 x 2 x 60 units: some run out
  std::mutex mutex;
  std::map<std::string, std::int64_t> units_ok;  // region/sku -> units the server said it sold
  std::int64_t orders_ok = 0, revenue_ok = 0, out_of_stock = 0;
  std::vector<std::string> unexpected;
  std::vector<std::thread> clients;
  for (int c = 0; c < kClients; ++c) {
    clients.emplace_back([&, c] {
      try {
        Client client{port};
        for (int i = 0; i < kOrdersEach; ++i) {
          const std::string& region = kRegions[(c + i) % 2];
          const std::string sku = (i % 3 == 0) ? "pear" : "apple";
          const int quantity = 1 + (c + i) % 3;
          std::string answer = client.ask("ORDER " + region + " client" + std::to_string(c) + " " + sku + " " +
                                          std::to_string(quantity));
          std::string stock = client.ask("STOCK " + region + " " + sku);
          std::lock_guard lock(mutex);
          if (answer == "ERR out of stock") {
            ++out_of_stock;
          } else if (answer.rfind("OK ", 0) == 0) {
            ++orders_ok;
            units_ok[region + "/" + sku] += quantity;
            revenue_ok += std::stoll(answer.substr(answer.rfind(' ') + 1));
          } else {
            unexpected.push_back(answer);
          }
          if (stock.rfind("OK ", 0) != 0 || std::stoll(stock.substr(3)) < 0) unexpected.push_back(stock);
        }
        client.ask("QUIT");
      } catch (const std::exception& e) {
        std::lock_guard lock(mutex);
        unexpected.push_back(std::string("client: ") + e.what());
      }
    });
  }
  for (auto& t : clients) t.join();
  BOOST_CHECK_MESSAGE(unexpected.empty(), "unexpected answers, first: " << (unexpected.empty() ? "" : unexpected[0]));
  BOOST_CHECK_EQUAL(orders_ok + out_of_stock, kClients * kOrdersEach);
  BOOST_CHECK_GT(orders_ok, 0);
  BOOST_CHECK_GT(out_of_stock, 0);  // the stock ran out: the guard was exercised

  // The database: every unit sold is an order row, stock never went below zero.
  std::int64_t orders_db = 0, revenue_db = 0;
  for (const auto& region : kRegions) {
    for (const char* sku : {"apple", "pear"}) {
      std::int64_t sold = scalar(region, "SELECT COALESCE(SUM(quantity), 0) FROM orders WHERE sku = '" + std::string(sku) + "'");
      std::int64_t left = scalar(region, "SELECT stock FROM products WHERE sku = '" + std::string(sku) + "'");
      BOOST_TEST_CONTEXT(region << "/" << sku) {
        BOOST_CHECK_EQUAL(sold, units_ok[region + "/" + sku]);
        BOOST_CHECK_EQUAL(sold + left, kInitialStock);
        BOOST_CHECK_GE(left, 0);
      }
    }
    orders_db += scalar(region, "SELECT COUNT(*) FROM orders");
    revenue_db += scalar(region, "SELECT COALESCE(SUM(total_cents), 0) FROM orders");
  }
  BOOST_CHECK_EQUAL(orders_db, orders_ok);
  BOOST_CHECK_EQUAL(revenue_db, revenue_ok);

  // REPORT fans out over both regions and must say the same.
  Client client{port};
  std::int64_t stock_db = 4 * kInitialStock;
  for (const auto& [key, units] : units_ok) stock_db -= units;
  std::int64_t units_total = 0;
  for (const auto& [key, units] : units_ok) units_total += units;
  BOOST_CHECK_EQUAL(client.ask("REPORT"), "OK orders=" + std::to_string(orders_db) + " units=" + std::to_string(units_total) +
                                              " revenue_cents=" + std::to_string(revenue_db) +
                                              " stock=" + std::to_string(stock_db));
}

BOOST_FIXTURE_TEST_CASE(bad_requests_get_errors_and_the_connection_stays_usable, Fixture) {
  RunningServer running{store};
  Client client{running.server.port()};
  BOOST_CHECK_EQUAL(client.ask("STOCK nowhere apple"), "ERR unknown region");
  BOOST_CHECK_EQUAL(client.ask("STOCK shard_1 durian"), "ERR unknown sku durian");
  BOOST_CHECK_EQUAL(client.ask("ORDER shard_1 ann apple -2"), "ERR usage: ORDER <region> <customer> <sku> <quantity>");
  BOOST_CHECK_EQUAL(client.ask("DANCE"), "ERR unknown command");
  BOOST_CHECK_EQUAL(client.ask("ORDER shard_1 ann apple 1000"), "ERR out of stock");
  BOOST_CHECK_EQUAL(client.ask("STOCK shard_1 apple"), "OK " + std::to_string(kInitialStock));
  BOOST_CHECK_EQUAL(scalar("shard_1", "SELECT COUNT(*) FROM orders"), 0);
}

BOOST_FIXTURE_TEST_CASE(shutdown_request_stops_the_server_with_clients_connected, Fixture) {
  RunningServer running{store};
  Client idle{running.server.port()};  // connected, never sends: must not keep the server up
  Client client{running.server.port()};
  BOOST_CHECK_EQUAL(client.ask("ORDER shard_2 bob pear 2"), "OK 1 180");
  BOOST_CHECK_EQUAL(client.ask("SHUTDOWN"), "OK bye");
  BOOST_CHECK(running.stopped_within(std::chrono::seconds(10)));
  BOOST_CHECK_THROW(Client{running.server.port()}.ask("STOCK shard_2 pear"), std::exception);
}

BOOST_FIXTURE_TEST_CASE(sigterm_stops_the_server, Fixture) {
  RunningServer running{store};
  {
    StopOnSignals signals{running.server};
    Client client{running.server.port()};
    BOOST_CHECK_EQUAL(client.ask("STOCK shard_1 pear"), "OK " + std::to_string(kInitialStock));
    std::raise(SIGTERM);
    BOOST_CHECK(running.stopped_within(std::chrono::seconds(10)));
  }
}
