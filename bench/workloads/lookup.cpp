#include "bench/data.hpp"
#include "bench/models.hpp"
#include "bench/peers/peers.hpp"
#include "bench/peers/raw_odbc.hpp"
#include "bench/peers/round_trip.hpp"
#include "bench/workloads/workloads.hpp"

#include <algorithm>
#include <stdexcept>
#include <thread>

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
  // A fiber whose thread always has other fibers ready to run: the await must hand the
  // statement off (blocking the thread would stall the siblings). The siblings only yield,
  // so the thread never sleeps; they run on a thread of their own, started per round, so
  // the plain-thread subjects above never share their thread with a fiber.
  {
    peers::Lookup busy{"Grant async_find().await(), fiber with " + std::to_string(o.siblings) + " busy siblings",
                       [](std::int64_t) { return true; }};
    busy.batch = [&](const std::vector<std::int64_t>& ids, std::vector<double>& samples) {
      std::int64_t found = 0, sum = 0, sibling_turns = 0;
      std::exception_ptr error;
      std::thread fiber_thread([&] {
        try {
          bool stop = false;
          grant::fiber::WaitGroup group(o.siblings);
          for (int i = 0; i < o.siblings; ++i)
            grant::fiber::spawn([&] {
              while (!stop) {
                ++sibling_turns;
                grant::fiber::yield();
              }
              group.done();
            }).detach();
          grant::fiber::yield();  // every sibling has started and is ready again
          for (auto id : ids) {
            auto t0 = Clock::now();
            std::optional<BenchUser> u = BenchUser::async_find(id).await();
            samples.push_back(micros_since(t0));
            if (u) {
              sum += u->views;
              ++found;
            }
          }
          stop = true;
          group.wait();
        } catch (...) {
          error = std::current_exception();
        }
      });
      fiber_thread.join();
      if (error) std::rethrow_exception(error);
      if (found != static_cast<std::int64_t>(ids.size())) throw std::runtime_error("busy siblings: some ids not found");
      // Siblings that never ran while the lookups waited would mean the await blocked the thread.
      if (o.siblings > 0 && sibling_turns <= static_cast<std::int64_t>(o.siblings))
        throw std::runtime_error("busy siblings: the siblings never ran during the awaits");
      checksum += sum;
    };
    subjects.push_back(std::move(busy));
  }
  // The floor of any design that hands a query to another thread and sleeps until it comes
  // back: one condition-variable round trip, no SQL, no Grant.
  auto ping = std::make_shared<peers::RoundTrip>();
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
  // The connection layer alone: the same statement through grant::Connection, timed inside
  // one job on the worker, so no hand-off is in the numbers.
  {
    peers::Lookup in_job{"Grant Connection::query (inside a job)", [](std::int64_t) { return true; }};
    in_job.batch = [&, shard](const std::vector<std::int64_t>& ids, std::vector<double>& samples) {
      auto found = shard
                       .run([&](grant::Connection& c) {
                         std::size_t n = 0;
                         for (auto id : ids) {
                           auto t0 = Clock::now();
                           grant::Rows rows = c.query(grant::Statement{sql, {grant::Value(id)}});
                           samples.push_back(micros_since(t0));
                           if (!rows.rows.empty()) {
                             checksum += rows.rows[0][3].as<std::int64_t>();
                             ++n;
                           }
                         }
                         return n;
                       })
                       .await();
      if (found != ids.size()) throw std::runtime_error("Connection::query: some ids not found");
    };
    subjects.push_back(std::move(in_job));
  }
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

  // Warm-up: statements prepared, pool connections open, pages cached. It also times each
  // subject, so that one taking milliseconds per lookup (SOCI's ODBC backend on SQLite) is
  // given fewer lookups per round instead of stretching the run by minutes.
  const auto warm = random_ids(static_cast<std::size_t>(std::min<std::int64_t>(o.lookups / 4 + 100, 2000)), o.rows, 7);
  const double warm_budget_us = 2e6, round_budget_us = 3e6;
  std::vector<double> per_op(subjects.size(), 0);
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    auto& s = subjects[i];
    auto t0 = Clock::now();
    std::size_t done = 0;
    if (s.batch) {
      std::vector<double> ignored;
      s.batch(warm, ignored);
      done = warm.size();
    } else {
      for (auto id : warm) {
        if (!s.find(id)) throw std::runtime_error(s.name + ": warm-up id " + std::to_string(id) + " not found");
        if (++done >= 20 && micros_since(t0) > warm_budget_us) break;
      }
    }
    per_op[i] = micros_since(t0) / static_cast<double>(done);
  }

  // The subjects take turns in rounds, each round over its own slice of the same ids, so a
  // change in machine load during the run hits all of them alike.
  const auto ids = random_ids(static_cast<std::size_t>(o.lookups), o.rows, 42);
  const int rounds = std::max(1, o.rounds);
  std::vector<std::vector<double>> samples(subjects.size());
  // Client CPU: the whole process (Grant's statements run on its worker threads), user +
  // system, around each subject's own slice of lookups.
  std::vector<double> cpu(subjects.size(), 0);
  for (auto& s : samples) s.reserve(ids.size());
  Progress progress("lookup on " + t.backend, static_cast<double>(rounds));
  for (int r = 0; r < rounds; ++r) {
    std::size_t begin = ids.size() * r / rounds, end = ids.size() * (r + 1) / rounds;
    for (std::size_t k = 0; k < subjects.size(); ++k) {
      std::size_t i = (k + r) % subjects.size();  // rotate who goes first
      auto& s = subjects[i];
      const double cpu0 = process_cpu_micros();
      struct CpuSlice {  // adds the slice's CPU however the slice ends
        double& sum;
        double start;
        ~CpuSlice() { sum += process_cpu_micros() - start; }
      } slice{cpu[i], cpu0};
      if (s.batch) {
        s.batch(std::vector<std::int64_t>(ids.begin() + static_cast<std::ptrdiff_t>(begin),
                                          ids.begin() + static_cast<std::ptrdiff_t>(end)),
                samples[i]);
        continue;
      }
      // A slow subject times the first ids of the slice only (at least 20 per round).
      const auto cap = static_cast<std::size_t>(std::max(20.0, round_budget_us / std::max(per_op[i], 1e-3)));
      for (std::size_t j = begin; j < std::min(end, begin + cap); ++j) {
        auto t0 = Clock::now();
        bool found = s.find(ids[j]);
        samples[i].push_back(micros_since(t0));
        if (!found) throw std::runtime_error(s.name + ": id " + std::to_string(ids[j]) + " not found");
      }
    }
    progress.update(r + 1);
  }
  for (std::size_t i = 0; i < subjects.size(); ++i) {
    const std::string kase = "rows=" + std::to_string(o.rows);
    const double n = static_cast<double>(samples[i].size());
    emit({t.backend, "lookup", kase, subjects[i].name, "median", percentile(samples[i], 0.5), "us/op"});
    emit({t.backend, "lookup", kase, subjects[i].name, "p99", percentile(samples[i], 0.99), "us/op"});
    emit({t.backend, "lookup", kase, subjects[i].name, "client CPU", cpu[i] / n, "us/op"});
    emit({t.backend, "lookup", kase, subjects[i].name, "lookups timed", n, "ops"});
  }
  volatile std::int64_t sink = checksum;  // the rows were really read
  (void)sink;
}

}  // namespace bench::workloads
