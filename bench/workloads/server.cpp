#include "bench/models.hpp"
#include "bench/peers/raw_odbc.hpp"
#include "bench/workloads/threads.hpp"
#include "bench/workloads/workloads.hpp"

#include "examples/legacy_server/odbc_store.hpp"
#include "examples/legacy_server/server.hpp"
#include "examples/legacy_server/store.hpp"

#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/read_until.hpp>
#include <boost/asio/streambuf.hpp>
#include <boost/asio/write.hpp>

#include <cmath>
#include <future>
#include <istream>
#include <map>
#include <memory>
#include <stdexcept>

namespace bench::workloads {
namespace {

namespace asio = boost::asio;
using namespace legacy_server;

const std::vector<std::string> regions{"east", "west"};

// One database per region, as the example's grant.ini has: SQLite files next to the bench's
// own, PostgreSQL databases on the bench's server (created once, then reused).
std::map<std::string, std::string> region_connections(const Options& o, const Target& t) {
  std::map<std::string, std::string> out;
  for (const auto& region : regions) {
    if (!t.pg()) {
      out[region] = "Driver=SQLite3;Database=" + o.sqlite_path + "." + region;
      continue;
    }
    const std::string db = o.pg_db + "_server_" + region;
    raw::Connection admin(t.odbc);
    if (admin.scalar("SELECT COUNT(*) FROM pg_database WHERE datname = '" + db + "'") == 0)
      admin.exec("CREATE DATABASE \"" + db + "\"");
    Options one = o;
    one.pg_db = db;
    out[region] = target_for(one, "postgresql").odbc;
  }
  return out;
}

// A long-lived TCP client of the server: connected once (so the server's connection thread,
// and raw ODBC's connections on it, outlive the slices), then one request at a time, per
// ten: six STOCK, three ORDER of one unit, one REPORT, as legacy_server_bench sends.
class Client {
 public:
  Client(unsigned short port, int index) : socket_(io_), index_(index) {
    socket_.connect({asio::ip::make_address("127.0.0.1"), port});
  }
  void request() {
    const int i = sent_++;
    const char* region = (index_ + i) % 2 ? "east" : "west";
    std::string line;
    switch (i % 10) {
      case 0: line = "REPORT"; break;
      case 3: case 6: case 9: line = std::string("ORDER ") + region + " c" + std::to_string(index_) + " apple 1"; break;
      default: line = std::string("STOCK ") + region + " apple"; break;
    }
    asio::write(socket_, asio::buffer(line + "\n"));
    asio::read_until(socket_, buffer_, '\n');
    std::istream in(&buffer_);
    std::string answer;
    std::getline(in, answer);
    if (answer.rfind("OK", 0) != 0) throw std::runtime_error("'" + line + "' answered '" + answer + "'");
  }

 private:
  asio::io_context io_;
  asio::ip::tcp::socket socket_;
  asio::streambuf buffer_;
  int index_;
  int sent_ = 0;
};

// The server on its own thread until this goes away (also when a slice throws).
struct Running {
  Server server;
  std::future<void> done;
  Running(const StoreApi& store, int clients)
      : server(store, ServerOptions{"127.0.0.1", 0, static_cast<std::size_t>(std::max(64, clients))}),
        done(std::async(std::launch::async, [this] { server.run(); })) {}
  ~Running() {
    server.stop();
    done.wait();
  }
};

}  // namespace

void server(const Options& o, const Target& t) {
  const int clients = o.legacy_threads;
  auto connections = region_connections(o, t);
  // Grant: one pool per region sized like raw ODBC's connections there (one per connection
  // thread). The raw side gets Grant's SQLite settings that matter here: WAL and the same
  // busy timeout (Grant's checkout timeout, 5 s).
  grant::Config config;
  config.pool_size = static_cast<std::size_t>(clients);
  config.log_level = "warn";
  std::map<std::string, std::string> raw_connections;
  for (const auto& [region, odbc] : connections) {
    config.add_shard(region, odbc);
    raw_connections[region] = t.pg() ? odbc : odbc + ";JournalMode=WAL;Timeout=5000";
  }
  grant::Runtime runtime{config};
  Store grant_store{regions};
  grant_store.reset({product("apple", 120, 1000000000)});  // never sold out
  OdbcStore odbc_store{raw_connections};

  const int total = std::max(1, static_cast<int>(std::lround(o.legacy_seconds)));
  const int slices = total >= 4 ? total / 2 : 1;
  const double slice = static_cast<double>(total) / slices;

  struct Subject {
    std::string name;
    const StoreApi* store;
    std::unique_ptr<Running> running;
    std::vector<std::unique_ptr<Client>> clients;
    double rate = 0, cpu = 0;
  };
  std::vector<Subject> subjects;
  subjects.push_back({"raw ODBC store (odbc_store.cpp)", &odbc_store, nullptr, {}});
  subjects.push_back({"Grant store (store.cpp)", &grant_store, nullptr, {}});
  for (auto& s : subjects) {
    s.running = std::make_unique<Running>(*s.store, clients);
    for (int c = 0; c < clients; ++c) s.clients.push_back(std::make_unique<Client>(s.running->server.port(), c));
  }
  auto measure = [&](Subject& s, double seconds) {
    return run_threads(clients, seconds, [&](int i) -> Operation {
      Client* c = s.clients[static_cast<std::size_t>(i)].get();
      return [c] { c->request(); };
    }, s.name);
  };
  // Warm-up, not counted: raw ODBC connects on each server thread, Grant opens its pools.
  for (auto& s : subjects) measure(s, std::min(1.0, slice / 2));

  // Orders accumulate, so REPORT slows a little over the run: the turns alternate in order.
  const std::string kase = "clients=" + std::to_string(clients) + " regions=2";
  Progress progress("legacy server over TCP on " + t.backend, static_cast<double>(slices));
  for (int r = 0; r < slices; ++r) {
    for (std::size_t k = 0; k < subjects.size(); ++k) {
      Subject& s = subjects[(k + static_cast<std::size_t>(r)) % subjects.size()];
      Rate rate = measure(s, slice);
      s.rate += rate.ops_per_second;
      s.cpu += rate.cpu_per_op;
    }
    progress.update(r + 1);
  }
  for (auto& s : subjects) {
    s.clients.clear();  // the server's connection threads end with their clients
    s.running.reset();
    emit({t.backend, "server", kase, s.name, "rate", s.rate / slices, "req/s"});
    emit({t.backend, "server", kase, s.name, "process CPU", s.cpu / slices, "us/req"});
  }
}

}  // namespace bench::workloads
