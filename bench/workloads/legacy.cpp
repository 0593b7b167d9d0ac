#include "bench/data.hpp"
#include "bench/models.hpp"
#include "bench/peers/raw_odbc.hpp"
#include "bench/workloads/threads.hpp"
#include "bench/workloads/workloads.hpp"

#include <cmath>
#include <memory>
#include <random>
#include <stdexcept>

namespace bench::workloads {
namespace {

// One raw ODBC request thread: its own connection and prepared lookup, as a hand-written
// thread-per-request server would keep them.
struct RawRequestThread {
  raw::Connection connection;
  raw::UserLookup lookup;
  raw::UserRow row;
  std::mt19937_64 rng;
  std::uniform_int_distribution<std::int64_t> pick;
  RawRequestThread(const std::string& odbc, const std::string& table, std::int64_t rows, std::uint64_t seed)
      : connection(odbc), lookup(connection, table), rng(seed), pick(1, rows) {}
  void op() {
    if (!lookup.find(pick(rng), row)) throw std::runtime_error("raw ODBC: id not found");
  }
};

}  // namespace

void legacy(const Options& o, const Target& t) {
  const int threads = o.legacy_threads;
  // The pool has one connection per request thread, as raw ODBC has.
  grant::Runtime runtime{runtime_config(t.odbc, static_cast<std::size_t>(threads))};
  const std::string table = data::lookup_table();
  const int total = std::max(1, static_cast<int>(std::lround(o.legacy_seconds)));
  const int slices = total >= 4 ? total / 2 : 1;
  const double slice = static_cast<double>(total) / slices;

  struct Subject {
    std::string name;
    std::function<Operation(int thread, int round)> make;
    double rate = 0, cpu = 0;
  };
  std::vector<Subject> subjects;
  subjects.push_back({"raw ODBC, " + std::to_string(threads) + " threads", [&](int i, int round) -> Operation {
                        auto s = std::make_shared<RawRequestThread>(t.odbc, table, o.rows, 500 + 100 * round + i);
                        s->op();
                        return [s] { s->op(); };
                      }});
  subjects.push_back({"Grant find(), " + std::to_string(threads) + " plain threads", [&](int i, int round) -> Operation {
                        auto rng = std::make_shared<std::mt19937_64>(700 + 100 * round + i);
                        std::uniform_int_distribution<std::int64_t> pick(1, o.rows);
                        return [rng, pick]() mutable {
                          if (!BenchUser::find(pick(*rng))) throw std::runtime_error("Grant find(): id not found");
                        };
                      }});

  // Warm-up, not counted: Grant opens its pool and prepares on every connection.
  for (auto& s : subjects)
    run_threads(threads, std::min(1.0, slice / 2), [&](int i) { return s.make(i, 0); }, s.name);

  const std::string kase = "threads=" + std::to_string(threads) + " rows=" + std::to_string(o.rows);
  Progress progress("legacy server on " + t.backend, static_cast<double>(slices));
  for (int r = 0; r < slices; ++r) {
    for (std::size_t k = 0; k < subjects.size(); ++k) {
      Subject& s = subjects[(k + static_cast<std::size_t>(r)) % subjects.size()];
      Rate rate = run_threads(threads, slice, [&](int i) { return s.make(i, r + 1); }, s.name);
      s.rate += rate.ops_per_second;
      s.cpu += rate.cpu_per_op;
    }
    progress.update(r + 1);
  }
  for (const auto& s : subjects) {
    emit({t.backend, "legacy", kase, s.name, "rate", s.rate / slices, "ops/s"});
    emit({t.backend, "legacy", kase, s.name, "client CPU", s.cpu / slices, "us/op"});
  }
}

}  // namespace bench::workloads
