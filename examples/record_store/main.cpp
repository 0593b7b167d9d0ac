// tools/demo's program: builds (or opens) the record store and prints its dashboard, loaded
// sequentially and then concurrently, with both timings.
//
//   record_store [--dir DIR] [--config FILE] [--load] [--runs N] [--data FILE]
#include "dashboard.hpp"
#include "load.hpp"
#include "models.hpp"
#include "shards.hpp"

#include <grant/grant.hpp>

#include <boost/program_options.hpp>
#include <fmt/chrono.h>
#include <fmt/core.h>
#include <fmt/format.h>
#include <iostream>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <unistd.h>

namespace po = boost::program_options;
namespace fs = std::filesystem;
using namespace record_store;

namespace {

struct Options {
  std::string dir = "var/demo";
  std::string config;
  std::string data;
  bool load = false;
  int runs = 5;
};

// A step the user should act on: one line, what went wrong and what to do.
struct Fatal {
  std::string line;
};

grant::Config sqlite_config(const std::string& dir) {
  // The path goes into "Database=...;": a ';' would end it early (all four shards then
  // shared one file named after the part before it), and the SQLite driver takes no {}.
  if (fs::absolute(dir).string().find_first_of(";{}") != std::string::npos)
    throw Fatal{fmt::format("{}: a path with ';', '{{' or '}}' cannot go into an ODBC connection string: choose another directory with --dir", dir)};
  std::error_code ec;
  fs::create_directories(dir, ec);
  std::string probe = dir + "/.write-test";
  if (ec || !std::ofstream(probe)) throw Fatal{fmt::format("cannot write to {}: choose another directory with --dir", dir)};
  fs::remove(probe, ec);
  grant::Config c;
  c.log_level = "warn";
  c.pool_size = 4;
  auto abs = fs::absolute(dir).string();
  c.add_shard(std::string(primary_shard), "Driver=SQLite3;Database=" + abs + "/primary.db");
  for (auto s : invoice_shards) c.add_shard(std::string(s), "Driver=SQLite3;Database=" + abs + "/invoices_" + std::string(s) + ".db");
  return c;
}

void progress(std::string_view step, std::size_t done, std::size_t total) {
  if (!isatty(fileno(stderr))) {
    if (done == total) fmt::print(stderr, "  loaded {:>5} rows: {}\n", total, step);
    return;
  }
  fmt::print(stderr, "\r  loading {:<18} {:>5} / {:<5}", step, done, total);
  if (done == total) fmt::print(stderr, "\n");
}

std::string money(double v) { return fmt::format("{:>10.2f}", v); }

void print(const Dashboard& d) {
  fmt::print("\n  Customers {:>6}    Invoices {:>6}    Tracks {:>6}    Revenue {}\n", d.customers, d.invoices,
             d.tracks, money(d.revenue));
  fmt::print("\n  Revenue per shard              Top 5 countries\n");
  for (std::size_t i = 0; i < std::max(d.shards.size(), d.top_countries.size()); ++i) {
    std::string left = i < d.shards.size()
                           ? fmt::format("{:<10} {:>4} inv {}", d.shards[i].shard, d.shards[i].invoices, money(d.shards[i].revenue))
                           : "";
    std::string right = i < d.top_countries.size()
                            ? fmt::format("{:<16}{}", d.top_countries[i].name, money(d.top_countries[i].value))
                            : "";
    fmt::print("  {:<30} {}\n", left, right);
  }
  fmt::print("\n  Top 5 customers by spend       Top 5 genres by tracks sold\n");
  for (std::size_t i = 0; i < 5; ++i) {
    std::string left = i < d.top_customers.size()
                           ? fmt::format("{:<20}{}", d.top_customers[i].name, money(d.top_customers[i].value))
                           : "";
    std::string right = i < d.top_genres.size()
                            ? fmt::format("{:<20}{:>6.0f}", d.top_genres[i].name, d.top_genres[i].value)
                            : "";
    fmt::print("  {:<30} {}\n", left, right);
  }
  fmt::print("\n  10 most recent invoices\n  {:>5}  {:<10}  {:<22} {:<15} {:>10}\n", "id", "date", "customer",
             "country", "total");
  for (const auto& r : d.recent)
    fmt::print("  {:>5}  {:%Y-%m-%d}  {:<22} {:<15} {}\n", r.id, std::chrono::floor<std::chrono::days>(r.date),
               r.customer, r.country, money(r.total));
}

template <class F>
double median_ms(int runs, F&& load, Dashboard& out) {
  std::vector<double> ms;
  for (int i = 0; i < runs; ++i) {
    auto t0 = std::chrono::steady_clock::now();
    out = load();
    ms.push_back(std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count());
  }
  std::sort(ms.begin(), ms.end());
  return ms[ms.size() / 2];
}

// Driver messages may span lines (libpq adds "\n\tIs the server running..."): an error
// stays one line.
std::string one_line(std::string_view text) {
  std::string out;
  for (char c : text) {
    bool space = c == '\n' || c == '\r' || c == '\t' || c == ' ';
    if (space && (out.empty() || out.back() == ' ')) continue;
    out += space ? ' ' : c;
  }
  while (!out.empty() && out.back() == ' ') out.pop_back();
  return out;
}

int run(const Options& o) {
  grant::Config config = o.config.empty() ? sqlite_config(o.dir) : grant::Config::from_file(o.config);
  // The runtime's info lines would interleave with the dashboard; GRANT_LOG_LEVEL still wins.
  if (config.log_level == "info") config.log_level = "warn";
  for (auto s : invoice_shards)
    if (!config.find_shard(std::string(s)) || !config.find_shard(std::string(primary_shard)))
      throw Fatal{"the configuration needs the shards primary, americas, europe and world"};
  grant::Runtime runtime{config};
  // Reach every shard first, so a server that is down is reported as such and not taken
  // for an empty record store.
  for (const auto& name : runtime.shard_names()) runtime.shard(name).query("SELECT 1");

  if (o.load || !is_loaded()) {
    fmt::print(stderr, "Building the record store from {} ...\n", o.data);
    auto t0 = std::chrono::steady_clock::now();
    create_schema();
    load(o.data, progress);
    fmt::print(stderr, "  done in {:.1f} s\n",
               std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
  }

  // Warm up: open each shard's connections once, so neither timing pays for connecting.
  load_concurrent();
  Dashboard sequential, concurrent;
  double seq_ms = median_ms(o.runs, load_sequential, sequential);
  double con_ms = median_ms(o.runs, load_concurrent, concurrent);

  fmt::print("Grant for C++ — record store dashboard ({} shards: {})\n", runtime.shard_names().size(),
             fmt::join(runtime.shard_names(), ", "));
  print(concurrent);
  fmt::print("\n  Dashboard load time, median of {} runs of 23 queries:\n", o.runs);
  fmt::print("    sequential  (sync API, one query after another)    {:>8.2f} ms\n", seq_ms);
  fmt::print("    concurrent  (async_* + Coordinator, all at once)   {:>8.2f} ms\n", con_ms);
  if (!(sequential == concurrent)) {
    fmt::print("  MISMATCH: the sequential and concurrent loads gave different figures\n");
    return 1;
  }
  fmt::print("  Both loads gave the same figures.\n");
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  Options o;
  po::options_description desc("record_store: the Grant for C++ demo");
  desc.add_options()("help,h", "this text")
      ("dir", po::value(&o.dir)->default_value(o.dir), "directory of the SQLite databases (the default backend)")
      ("config", po::value(&o.config), "INI file with shards primary, americas, europe, world (any backend)")
      ("load", po::bool_switch(&o.load), "drop, create and fill the tables even if they exist")
      ("runs", po::value(&o.runs)->default_value(o.runs), "timed runs of each load (the median is shown)")
      ("data", po::value(&o.data)->default_value("tools/data/chinook/Chinook_Sqlite.sql"), "the Chinook script");
  try {
    po::variables_map vm;
    po::store(po::parse_command_line(argc, argv, desc), vm);
    po::notify(vm);
    if (vm.count("help")) {
      std::cout << desc << "\n";
      return 0;
    }
    if (o.runs < 1) throw Fatal{"--runs must be at least 1"};
    return run(o);
  } catch (const Fatal& f) {
    fmt::print(stderr, "demo: {}\n", f.line);
  } catch (const po::error& e) {
    fmt::print(stderr, "demo: {} (see --help)\n", e.what());
  } catch (const grant::DatabaseError& e) {
    // Connecting failed (server down, driver not installed): say what to do.
    bool connecting = e.sql().rfind("connect ", 0) == 0;
    if (connecting || dynamic_cast<const grant::ConnectionLost*>(&e))
      fmt::print(stderr, "demo: cannot reach a database: {} — check the connection string, or run tools/setup for the ODBC drivers\n", one_line(e.what()));
    else
      fmt::print(stderr, "demo: {}\n", one_line(e.what()));
  } catch (const std::exception& e) {
    fmt::print(stderr, "demo: {}\n", one_line(e.what()));
  }
  return 1;
}
