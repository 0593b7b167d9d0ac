#include "bench/data.hpp"
#include "bench/models.hpp"
#include "bench/peers/peers.hpp"
#include "bench/peers/raw_odbc.hpp"
#include "bench/workloads/workloads.hpp"

#include <algorithm>
#include <condition_variable>
#include <mutex>
#include <thread>
#include <stdexcept>

namespace bench::workloads {

void lookup(const Options& o, const Target& t) {
  grant::Runtime runtime{runtime_config(t.odbc, static_cast<std::size_t>(o.pool))};
  const std::string table = data::lookup_table();
  std::int64_t checksum = 0;  // every subject's rows feed it, so nothing is optimised away

  std::vector<peers::Lookup> subjects;
  struct RawState {
    raw::Connection connection;
    raw::UserLookup statement;
    raw::UserRow row;
    RawState(const std::string& odbc, const std::string& table) : connection(odbc), statement(connection, table) {}
  };
  auto raw_state = std::make_shared<RawState>(t.odbc, table);
  subjects.push_back({"raw ODBC",
                      [&, r = raw_state.get()](std::int64_t id) {
                        bool found = r->statement.find(id, r->row);
                        checksum += r->row.views;
                        return found;
                      },
                      raw_state});
  subjects.push_back({"Grant find()", [&](std::int64_t id) {
                        std::optional<BenchUser> u = BenchUser::find(id);
                        if (u) checksum += u->views;
                        return u.has_value();
                      }});
  subjects.push_back({"Grant async_find().await()", [&](std::int64_t id) {
                        std::optional<BenchUser> u = BenchUser::async_find(id).await();
                        if (u) checksum += u->views;
                        return u.has_value();
                      }});
  // The floor of any design that hands a query to another thread and sleeps until it comes
  // back: one condition-variable round trip to a waiting thread, no SQL, no Grant.
  struct PingPong {
    std::mutex mutex;
    std::condition_variable to_worker, to_caller;
    int state = 0;  // 0 idle, 1 asked, 2 answered, 3 stop
    std::thread worker;
    PingPong() {
      worker = std::thread([this] {
        std::unique_lock lock(mutex);
        for (;;) {
          to_worker.wait(lock, [&] { return state == 1 || state == 3; });
          if (state == 3) return;
          state = 2;
          to_caller.notify_one();
        }
      });
    }
    ~PingPong() {
      {
        std::lock_guard lock(mutex);
        state = 3;
      }
      to_worker.notify_one();
      worker.join();
    }
    bool round_trip() {
      {
        std::lock_guard lock(mutex);
        state = 1;
      }
      to_worker.notify_one();
      std::unique_lock lock(mutex);
      to_caller.wait(lock, [&] { return state == 2; });
      state = 0;
      return true;
    }
  };
  auto ping = std::make_shared<PingPong>();
  subjects.push_back({"thread round trip (condvar, no SQL)", [p = ping.get()](std::int64_t) { return p->round_trip(); },
                      ping});

  // Two more Grant subjects that split find()'s cost: the hand-off to a driver worker and
  // back alone (a job that runs no SQL), and the same SQL as raw text through Shard::query
  // (hand-off + the connection layer: statement cache, Value rows, hooks; no ORM).
  grant::Shard shard = runtime.shard("primary");
  subjects.push_back({"Grant Shard::run (no SQL)", [&](std::int64_t id) {
                        return shard.run([id](grant::Connection&) { return id; }).await() == id;
                      }});
  const std::string sql = "SELECT id, name, email, views, score, created_at FROM " + table + " WHERE id = ?";
  subjects.push_back({"Grant Shard::query (raw SQL)", [&](std::int64_t id) {
                        grant::Rows rows = shard.query(sql, {id});
                        if (rows.rows.empty()) return false;
                        checksum += rows.rows[0][3].as<std::int64_t>();
                        return true;
                      }});
  auto wanted = [&](const std::string& name) {
    return o.subjects.empty() || std::find(o.subjects.begin(), o.subjects.end(), name) != o.subjects.end();
  };
  if (wanted("SOCI odbc")) subjects.push_back(peers::soci_lookup("odbc", t.odbc, table));
  if (t.pg()) {
    if (wanted("SOCI postgresql")) subjects.push_back(peers::soci_lookup("postgresql", t.libpq, table));
    if (wanted("libpqxx")) subjects.push_back(peers::pqxx_lookup(t.libpq, table));
  } else {
    if (wanted("SOCI sqlite3")) subjects.push_back(peers::soci_lookup("sqlite3", o.sqlite_path, table));
  }
  std::erase_if(subjects, [&](const peers::Lookup& s) { return !wanted(s.name); });
  if (subjects.empty()) throw std::runtime_error("lookup: no subject left after --subject");

  // Warm-up: statements prepared, pool connections open, pages cached.
  const auto warm = random_ids(static_cast<std::size_t>(std::min<std::int64_t>(o.lookups / 4 + 100, 2000)), o.rows, 7);
  for (auto& s : subjects)
    for (auto id : warm)
      if (!s.find(id)) throw std::runtime_error(s.name + ": warm-up id " + std::to_string(id) + " not found");

  // The subjects take turns in rounds, each round over its own slice of the same ids, so a
  // change in machine load during the run hits all of them alike.
  const auto ids = random_ids(static_cast<std::size_t>(o.lookups), o.rows, 42);
  const int rounds = std::max(1, o.rounds);
  std::vector<std::vector<double>> samples(subjects.size());
  for (auto& s : samples) s.reserve(ids.size());
  for (int r = 0; r < rounds; ++r) {
    std::size_t begin = ids.size() * r / rounds, end = ids.size() * (r + 1) / rounds;
    for (std::size_t k = 0; k < subjects.size(); ++k) {
      std::size_t i = (k + r) % subjects.size();  // rotate who goes first
      auto& s = subjects[i];
      for (std::size_t j = begin; j < end; ++j) {
        auto t0 = Clock::now();
        bool found = s.find(ids[j]);
        samples[i].push_back(micros_since(t0));
        if (!found) throw std::runtime_error(s.name + ": id " + std::to_string(ids[j]) + " not found");
      }
    }
  }
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    const std::string kase = "rows=" + std::to_string(o.rows);
    emit({t.backend, "lookup", kase, subjects[i].name, "median", percentile(samples[i], 0.5), "us/op"});
    emit({t.backend, "lookup", kase, subjects[i].name, "p99", percentile(samples[i], 0.99), "us/op"});
  }
  if (checksum == 42) note("");  // keeps checksum observable
}

}  // namespace bench::workloads
