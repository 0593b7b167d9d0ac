// legacy_server_bench — the legacy server on Grant against the same server on raw ODBC.
//
//   legacy_server_bench --east CONNECTION --west CONNECTION [--clients 8] [--requests 300]
//
// For each store (Grant's Store, then OdbcStore) the tables are made afresh, the server
// starts on a free loopback port, and `clients` TCP clients each send `requests` requests
// (per ten: six STOCK, three ORDER of one unit, one REPORT) one at a time. Prints requests
// per second and the mean latency for each, and the ratio. Plain timing, no assertions: a
// measurement, not a test.
#include "examples/legacy_server/odbc_store.hpp"
#include "examples/legacy_server/server.hpp"
#include "examples/legacy_server/store.hpp"

#include <grant/grant.hpp>

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>
#include <boost/program_options.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <future>
#include <iostream>
#include <istream>
#include <string>
#include <thread>
#include <vector>

namespace asio = boost::asio;
namespace po = boost::program_options;
using namespace legacy_server;

namespace {

struct Result {
  double requests_per_second = 0;
  double mean_latency_us = 0;
  std::size_t errors = 0;
};

Result drive(const StoreApi& store, int clients, int requests) {
  Server server{store, ServerOptions{}};
  auto running = std::async(std::launch::async, [&] { server.run(); });
  std::atomic<std::size_t> errors{0};
  auto start = std::chrono::steady_clock::now();
  std::vector<std::thread> threads;
  for (int c = 0; c < clients; ++c) {
    threads.emplace_back([&, c] {
      asio::io_context io;
      asio::ip::tcp::socket socket{io};
      socket.connect({asio::ip::make_address("127.0.0.1"), server.port()});
      asio::streambuf buffer;
      for (int i = 0; i < requests; ++i) {
        const char* region = (c + i) % 2 ? "east" : "west";
        std::string request;
        switch (i % 10) {
          case 0: request = "REPORT"; break;
          case 3: case 6: case 9: request = std::string("ORDER ") + region + " c" + std::to_string(c) + " apple 1"; break;
          default: request = std::string("STOCK ") + region + " apple"; break;
        }
        asio::write(socket, asio::buffer(request + "\n"));
        asio::read_until(socket, buffer, '\n');
        std::istream in(&buffer);
        std::string answer;
        std::getline(in, answer);
        if (answer.rfind("OK", 0) != 0) errors.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  server.stop();
  running.wait();
  double total = static_cast<double>(clients) * requests;
  return {total / seconds, seconds * 1e6 * clients / total, errors.load()};
}

}  // namespace

int main(int argc, char** argv) {
  po::options_description options("legacy_server_bench");
  std::string east, west;
  int clients = 8, requests = 300;
  options.add_options()("help", "this text")("east", po::value(&east)->required(), "ODBC connection of region east")(
      "west", po::value(&west)->required(), "ODBC connection of region west")(
      "clients", po::value(&clients)->default_value(8), "concurrent TCP clients")(
      "requests", po::value(&requests)->default_value(300), "requests per client");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, options), vm);
    if (vm.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    po::notify(vm);
    grant::Config config;
    config.pool_size = 4;
    config.add_shard("east", east).add_shard("west", west);
    grant::Runtime runtime{config};
    Store grant_store{{"east", "west"}};
    const std::vector<Product> stock = {product("apple", 120, 1000000)};

    grant_store.reset(stock);
    Result on_grant = drive(grant_store, clients, requests);
    grant_store.reset(stock);
    OdbcStore odbc_store{{{"east", east}, {"west", west}}};
    Result on_odbc = drive(odbc_store, clients, requests);

    std::printf("legacy server, %d clients x %d requests (6 STOCK, 3 ORDER, 1 REPORT per 10)\n", clients, requests);
    std::printf("  %-10s %10.0f req/s  %8.0f us mean  %zu errors\n", "raw ODBC", on_odbc.requests_per_second,
                on_odbc.mean_latency_us, on_odbc.errors);
    std::printf("  %-10s %10.0f req/s  %8.0f us mean  %zu errors\n", "Grant", on_grant.requests_per_second,
                on_grant.mean_latency_us, on_grant.errors);
    std::printf("  Grant / raw ODBC throughput: %.2f\n", on_grant.requests_per_second / on_odbc.requests_per_second);
    return on_grant.errors + on_odbc.errors == 0 ? 0 : 1;
  } catch (const std::exception& e) {
    std::cerr << "legacy_server_bench: " << e.what() << "\n";
    return 1;
  }
}
