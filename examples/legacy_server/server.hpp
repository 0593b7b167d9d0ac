// A thread-per-connection TCP server in the style of many legacy C++ services: Boost.Asio
// with blocking sockets, one std::thread per accepted connection, each request handled on
// that thread with the library's sync API (no fibers in the server's own code).
//
// Protocol: one request per line, one answer per line ("OK ..." or "ERR message").
//   STOCK <region> <sku>                         OK <units>
//   ORDER <region> <customer> <sku> <quantity>   OK <order id> <total cents> | ERR out of stock
//   REPORT                                       OK orders=<n> units=<n> revenue_cents=<n> stock=<n>
//   QUIT                                         OK bye, and the connection closes
//   SHUTDOWN                                     OK bye, and the server stops (as on SIGINT/SIGTERM)
//
// Shutdown is graceful: the server stops accepting, each connection finishes the request
// it is handling, answers it and is closed; run() returns once every connection thread
// has ended.
#pragma once

#include "examples/legacy_server/store.hpp"

#include <boost/asio/ip/tcp.hpp>

#include <atomic>
#include <cstddef>
#include <list>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

namespace legacy_server {

struct ServerOptions {
  std::string address = "127.0.0.1";
  unsigned short port = 0;       ///< 0: any free port (see Server::port())
  std::size_t max_connections = 64;  ///< further connections get "ERR busy" and are closed
};

class Server {
 public:
  /// Binds and listens. Throws boost::system::system_error when the address is taken.
  Server(const StoreApi& store, ServerOptions options);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  unsigned short port() const;
  /// Accepts connections until stop(); returns after every connection thread has ended.
  void run();
  /// Thread-safe, idempotent, callable from any thread (a signal watcher, a handler).
  void stop();

  /// The answer to one request line (exposed for tests).
  std::string handle(const std::string& line);

 private:
  struct Connection {
    explicit Connection(boost::asio::io_context& io) : socket(io) {}
    boost::asio::ip::tcp::socket socket;
    std::thread thread;
    std::atomic<bool> done{false};
  };
  void serve(Connection& connection);
  void reap(bool all);

  const StoreApi& store_;
  ServerOptions options_;
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::atomic<bool> stopping_{false};
  std::mutex mutex_;
  std::list<std::unique_ptr<Connection>> connections_;
};

/// Calls server.stop() on SIGINT or SIGTERM while it lives (Boost.Asio signal_set on a
/// thread of its own).
class StopOnSignals {
 public:
  explicit StopOnSignals(Server& server);
  ~StopOnSignals();

 private:
  boost::asio::io_context io_;
  std::unique_ptr<class SignalWatch> watch_;
  std::thread thread_;
};

}  // namespace legacy_server
