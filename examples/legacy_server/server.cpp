#include "examples/legacy_server/server.hpp"

#include <grant/errors.hpp>

#include <boost/asio/read_until.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <istream>
#include <sstream>
#include <vector>

#include <sys/socket.h>

namespace legacy_server {

namespace asio = boost::asio;
using tcp = asio::ip::tcp;

Server::Server(const StoreApi& store, ServerOptions options)
    : store_(store), options_(std::move(options)), acceptor_(io_) {
  tcp::endpoint endpoint{asio::ip::make_address(options_.address), options_.port};
  acceptor_.open(endpoint.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  acceptor_.bind(endpoint);
  acceptor_.listen();
}

Server::~Server() {
  stop();
  reap(true);
}

unsigned short Server::port() const { return acceptor_.local_endpoint().port(); }

void Server::run() {
  while (!stopping_) {
    auto connection = std::make_unique<Connection>(io_);
    boost::system::error_code error;
    acceptor_.accept(connection->socket, error);  // blocking; stop() wakes it
    if (stopping_) break;
    if (error) continue;
    reap(false);
    std::lock_guard lock(mutex_);
    if (connections_.size() >= options_.max_connections) {
      asio::write(connection->socket, asio::buffer(std::string("ERR busy\n")), error);
      continue;
    }
    Connection& c = *connections_.emplace_back(std::move(connection));
    if (stopping_) ::shutdown(c.socket.native_handle(), SHUT_RD);  // stop() ran before it was listed
    c.thread = std::thread([this, &c] { serve(c); });
  }
  reap(true);
}

void Server::stop() {
  if (stopping_.exchange(true)) return;
  // shutdown() wakes a blocking accept() and every blocking read; a connection in the
  // middle of a request still writes its answer (only the read side is shut). The
  // connections first: once accept() wakes, run() takes the list to join its threads.
  {
    std::lock_guard lock(mutex_);
    for (auto& c : connections_) ::shutdown(c->socket.native_handle(), SHUT_RD);
  }
  ::shutdown(acceptor_.native_handle(), SHUT_RDWR);
}

void Server::reap(bool all) {
  std::list<std::unique_ptr<Connection>> ended;
  {
    std::lock_guard lock(mutex_);
    for (auto it = connections_.begin(); it != connections_.end();) {
      if (all || (*it)->done) {
        ended.push_back(std::move(*it));
        it = connections_.erase(it);
      } else {
        ++it;
      }
    }
  }
  for (auto& c : ended)
    if (c->thread.joinable()) c->thread.join();
}

void Server::serve(Connection& c) {
  asio::streambuf buffer;
  boost::system::error_code error;
  while (!stopping_) {
    asio::read_until(c.socket, buffer, '\n', error);
    if (error) break;  // EOF, reset, or stop()
    std::istream in(&buffer);
    std::string line;
    std::getline(in, line);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    std::string answer = handle(line);
    asio::write(c.socket, asio::buffer(answer + "\n"), error);
    if (error || answer == "OK bye") break;
  }
  c.socket.close(error);
  c.done = true;
}

std::string Server::handle(const std::string& line) {
  std::istringstream words(line);
  std::string command;
  words >> command;
  try {
    if (command == "STOCK") {
      std::string region, sku;
      if (!(words >> region >> sku)) return "ERR usage: STOCK <region> <sku>";
      auto units = store_.stock(region, sku);
      return units ? "OK " + std::to_string(*units) : "ERR unknown sku " + sku;
    }
    if (command == "ORDER") {
      std::string region, customer, sku;
      std::int64_t quantity = 0;
      if (!(words >> region >> customer >> sku >> quantity) || quantity <= 0)
        return "ERR usage: ORDER <region> <customer> <sku> <quantity>";
      OrderOutcome outcome = store_.place_order(region, customer, sku, quantity);
      if (!outcome.placed) return "ERR out of stock";
      return "OK " + std::to_string(outcome.order_id) + " " + std::to_string(outcome.total_cents);
    }
    if (command == "REPORT") {
      Report r = store_.report();
      return "OK orders=" + std::to_string(r.orders) + " units=" + std::to_string(r.units) +
             " revenue_cents=" + std::to_string(r.revenue_cents) + " stock=" + std::to_string(r.stock);
    }
    if (command == "QUIT") return "OK bye";
    if (command == "SHUTDOWN") {
      stop();
      return "OK bye";
    }
    return "ERR unknown command";
  } catch (const grant::UnknownShard&) {
    return "ERR unknown region";
  } catch (const std::exception& e) {
    std::string message = e.what();
    for (char& ch : message)
      if (ch == '\n') ch = ' ';
    return "ERR " + message;
  }
}

// ---- signals -----------------------------------------------------------------------------

class SignalWatch {
 public:
  SignalWatch(asio::io_context& io, Server& server) : signals_(io, SIGINT, SIGTERM), server_(server) {
    signals_.async_wait([this](const boost::system::error_code& error, int) {
      if (!error) server_.stop();
    });
  }
  void cancel() { signals_.cancel(); }

 private:
  asio::signal_set signals_;
  Server& server_;
};

StopOnSignals::StopOnSignals(Server& server)
    : watch_(std::make_unique<SignalWatch>(io_, server)), thread_([this] { io_.run(); }) {}

StopOnSignals::~StopOnSignals() {
  asio::post(io_, [this] { watch_->cancel(); });
  thread_.join();
}

}  // namespace legacy_server
