#include "bench/report.hpp"

#include <fmt/format.h>

#include <sys/utsname.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <stdexcept>
#include <thread>
#include <tuple>

namespace bench {
namespace {

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

std::string value_text(const Result& r) {
  if (r.unit == "ops/s" || r.unit == "req/s" || r.unit == "ops" || r.unit == "bytes") return fmt::format("{:.0f}", r.value);
  if (r.unit == "us") return fmt::format("{:.2f}", r.value);
  return fmt::format("{:.1f}", r.value);
}

std::string ratio_text(const std::optional<double>& ratio) {
  return ratio ? fmt::format("{:.2f}x", *ratio) : std::string();
}

const std::vector<std::string> workload_order{"lookup", "fanout", "throughput", "memory", "scaling", "legacy", "server"};
const std::map<std::string, std::string> workload_titles{
    {"lookup", "1. Point lookups, one at a time"},
    {"fanout", "2. Fan-out: N queries of L each"},
    {"throughput", "3. Throughput: random primary-key lookups on pgbench_accounts"},
    {"memory", "4. Memory: async_find pending at once"},
    {"scaling", "5. Scaling: all() against find_each"},
    {"legacy", "6. Legacy server: plain threads doing synchronous lookups"},
    {"server", "7. Legacy server over TCP: examples/legacy_server on Grant and on raw ODBC"},
};

// The size as a number, to find a subject's smallest case ("rows=10000" -> 10000).
long long kase_size(const std::string& kase) {
  auto eq = kase.find('=');
  return eq == std::string::npos ? 0 : std::atoll(kase.c_str() + eq + 1);
}

}  // namespace

void Report::compute() {
  auto find = [&](auto pred) -> const Row* {
    for (const auto& row : rows)
      if (pred(row.r)) return &row;
    return nullptr;
  };
  for (auto& row : rows) {
    const Result& r = row.r;
    const Row* base = nullptr;
    if (r.workload == "lookup" || r.workload == "legacy" || r.workload == "server") {
      base = find([&](const Result& b) {
        return b.backend == r.backend && b.workload == r.workload && b.kase == r.kase && b.metric == r.metric &&
               starts_with(b.subject, "raw ODBC");
      });
    } else if (r.workload == "throughput") {
      const std::string prefix = r.backend == "postgresql" ? "pgbench" : "raw ODBC";
      base = find([&](const Result& b) {
        return b.backend == r.backend && b.kase == r.kase && b.metric == r.metric && starts_with(b.subject, prefix);
      });
    } else if (r.workload == "fanout") {
      base = find([&](const Result& b) {
        return b.backend == r.backend && b.kase == r.kase && starts_with(b.subject, "L (");
      });
    } else if (r.workload == "scaling" && r.metric == "per row") {
      base = find([&](const Result& b) {
        return b.backend == r.backend && b.kase == r.kase && b.metric == r.metric && starts_with(b.subject, "raw ODBC");
      });
    } else if (r.workload == "scaling" && r.metric == "peak RSS") {
      // Flatness: against the same subject's smallest table.
      for (const auto& b : rows)
        if (b.r.backend == r.backend && b.r.workload == r.workload && b.r.subject == r.subject &&
            b.r.metric == r.metric && (!base || kase_size(b.r.kase) < kase_size(base->r.kase)))
          base = &b;
    }
    if (r.metric == "lookups timed") continue;  // a count, not a measure to compare
    if (!base || &base->r == &row.r || base->r.value <= 0) continue;
    row.ratio = r.value / base->r.value;
    row.vs = r.workload == "scaling" && r.metric == "peak RSS" ? "own " + base->r.kase : base->r.subject;
  }

  goals.clear();
  enum class Base { subject, absolute, own_smallest };
  struct Goal {
    std::string group, text, backend, workload, subject_prefix, metric;
    Base base;
    std::string base_prefix;  ///< Base::subject: the baseline's subject (prefix), same case and metric
    bool at_most;             ///< the limit is an upper bound (else a lower bound)
    double limit;
    bool largest_only = false;  ///< only the workload's largest case
  };
  const std::vector<Goal> table{
      {"runtime", "PostgreSQL find() from a plain thread vs raw ODBC (median)", "postgresql", "lookup", "Grant find()",
       "median", Base::subject, "raw ODBC", true, 1.10},
      {"runtime", "SQLite find() from a plain thread vs raw ODBC (median)", "sqlite", "lookup", "Grant find()", "median",
       Base::subject, "raw ODBC", true, 1.30},
      {"runtime", "PostgreSQL async_find().await() from a fiber with busy siblings vs raw ODBC (median)", "postgresql",
       "lookup", "Grant async_find().await(), fiber with", "median", Base::subject, "raw ODBC", true, 1.30},
      {"runtime", "legacy server: plain threads doing find() vs raw ODBC threads (throughput)", "", "legacy", "Grant",
       "rate", Base::subject, "raw ODBC", false, 0.90},
      {"runtime", "legacy server over TCP (examples/legacy_server): Grant store vs raw ODBC store (req/s)", "",
       "server", "Grant", "rate", Base::subject, "raw ODBC", false, 0.90},
      {"runtime", "PostgreSQL throughput, 1000 fibers / pool 8 vs pgbench -S", "postgresql", "throughput", "Grant", "rate",
       Base::subject, "pgbench", false, 0.80},
      {"runtime", "SQLite throughput, 1000 fibers / pool 8 vs raw ODBC, 8 threads", "sqlite", "throughput", "Grant",
       "rate", Base::subject, "raw ODBC", false, 0.60},
      {"runtime", "client CPU per PostgreSQL lookup vs raw ODBC's (one at a time)", "postgresql", "lookup",
       "Grant find()", "client CPU", Base::subject, "raw ODBC", true, 1.30},
      {"runtime", "client CPU per PostgreSQL lookup vs raw ODBC's (throughput)", "postgresql", "throughput", "Grant",
       "client CPU", Base::subject, "raw ODBC", true, 1.30},
      {"runtime", "all() of the largest table: time per row vs raw ODBC row by row", "", "scaling", "Grant all()",
       "per row", Base::subject, "raw ODBC", true, 1.5, true},
      {"runtime", "all() of the largest table: peak RSS vs raw ODBC row by row", "", "scaling", "Grant all()",
       "peak RSS", Base::subject, "raw ODBC", true, 1.5, true},
      {"runtime", "Shard::run with no SQL vs one condition-variable round trip (median)", "", "lookup",
       "Grant Shard::run", "median", Base::subject, "thread round trip", true, 1.5},
      {"earlier", "fan-out through a Coordinator vs L (N <= pool)", "postgresql", "fanout", "Coordinator", "total",
       Base::subject, "L (", true, 1.05},
      {"earlier", "pending async_find: peak RSS (10,000 pending in a full run)", "", "memory", "Grant", "peak RSS",
       Base::absolute, "", true, 200},
      {"earlier", "find_each peak RSS flat vs its smallest table", "", "scaling", "Grant find_each", "peak RSS",
       Base::own_smallest, "", true, 1.10},
  };
  for (const auto& g : table) {
    long long largest = 0;
    for (const auto& row : rows)
      if (row.r.workload == g.workload && (g.backend.empty() || row.r.backend == g.backend))
        largest = std::max(largest, kase_size(row.r.kase));
    for (const auto& row : rows) {
      const Result& r = row.r;
      if ((!g.backend.empty() && r.backend != g.backend) || r.workload != g.workload || r.metric != g.metric ||
          !starts_with(r.subject, g.subject_prefix))
        continue;
      if (g.largest_only && kase_size(r.kase) != largest) continue;
      GoalCheck c;
      c.group = g.group;
      c.goal = g.text;
      c.backend = r.backend;
      c.kase = r.kase;
      c.measured = value_text(r) + " " + r.unit;
      const std::string bound = g.at_most ? "<= " : ">= ";
      double v = r.value;
      if (g.base == Base::absolute) {
        c.target = bound + fmt::format("{:g} {}", g.limit, r.unit);
      } else {
        const Row* base = nullptr;
        if (g.base == Base::own_smallest) {
          if (!row.ratio) continue;  // the smallest table itself
          base = find([&](const Result& b) {
            return b.backend == r.backend && b.workload == r.workload && b.subject == r.subject &&
                   b.metric == r.metric && "own " + b.kase == row.vs;
          });
        } else {
          base = find([&](const Result& b) {
            return b.backend == r.backend && b.workload == r.workload && b.kase == r.kase && b.metric == r.metric &&
                   starts_with(b.subject, g.base_prefix);
          });
        }
        if (!base || base->r.value <= 0) continue;
        v = r.value / base->r.value;
        c.baseline = (g.base == Base::own_smallest ? base->r.kase : base->r.subject) + ": " + value_text(base->r) +
                     " " + base->r.unit;
        c.ratio = fmt::format("{:.2f}x", v);
        c.target = bound + fmt::format("{:.2f}x", g.limit);
      }
      c.met = g.at_most ? v <= g.limit : v >= g.limit;
      if (c.met) c.verdict = "met";
      else if (g.at_most) c.verdict = fmt::format("missed: {:.0f}% over the limit", 100 * (v / g.limit - 1));
      else c.verdict = fmt::format("missed: {:.0f}% under the limit", 100 * (1 - v / g.limit));
      goals.push_back(c);
    }
  }
}

void Report::print_table() const {
  std::string out;
  for (const auto& w : workload_order) {
    bool any = false;
    for (const auto& row : rows) {
      if (row.r.workload != w) continue;
      if (!any) {
        out += fmt::format("\n{}\n", workload_titles.at(w));
        out += fmt::format("  {:<10} {:<22} {:<34} {:<15} {:>12} {:<6} {:>8}  {}\n", "backend", "case", "subject",
                           "metric", "value", "unit", "ratio", "vs");
        any = true;
      }
      const Result& r = row.r;
      out += fmt::format("  {:<10} {:<22} {:<34} {:<15} {:>12} {:<6} {:>8}  {}\n", r.backend, r.kase, r.subject,
                         r.metric, value_text(r), r.unit, ratio_text(row.ratio), row.vs);
    }
    for (const auto& [workload, text] : notes)
      if (workload == w) {
        if (!any) out += fmt::format("\n{}\n", workload_titles.at(w));
        any = true;
        out += "  " + text + "\n";
      }
  }
  if (!goals.empty()) {
    out += "\nGoals vs measured\n";
    for (const auto& g : goals)
      out += fmt::format("  {:<4} {:<10} {:<24} {:>14} vs {:<34} {:>7} (target {}) {}\n", g.met ? "met" : "MISS",
                         g.backend, g.kase, g.measured, g.baseline.empty() ? "-" : g.baseline, g.ratio, g.target,
                         g.goal);
  }
  std::cout << out << std::flush;
}

void Report::write_csv(const std::string& path, const std::string& date) const {
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  auto q = [](const std::string& s) {
    std::string o = "\"";
    for (char c : s) o += c == '"' ? std::string("\"\"") : std::string(1, c);
    return o + "\"";
  };
  out << "date,backend,workload,case,subject,metric,value,unit,ratio,ratio_to,command\n";
  for (const auto& row : rows) {
    const Result& r = row.r;
    out << q(date) << ',' << r.backend << ',' << r.workload << ',' << q(r.kase) << ',' << q(r.subject) << ','
        << q(r.metric) << ',' << fmt::format("{:.6g}", r.value) << ',' << r.unit << ','
        << (row.ratio ? fmt::format("{:.4f}", *row.ratio) : "") << ',' << q(row.vs) << ',' << q(row.command) << '\n';
  }
}

std::string load_average() {
  double load[3] = {0, 0, 0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = load[1] = load[2] = 0;
    std::fclose(f);
  }
  return fmt::format("{:.2f} {:.2f} {:.2f}", load[0], load[1], load[2]);
}

std::string machine_description() {
  std::string model;
  std::ifstream cpu("/proc/cpuinfo");
  std::string line;
  while (std::getline(cpu, line))
    if (starts_with(line, "model name")) {
      model = line.substr(line.find(':') + 2);
      break;
    }
  utsname u{};
  uname(&u);
  return fmt::format("nproc {}, CPU \"{}\", Linux {} {}", std::thread::hardware_concurrency(), model, u.release,
                     u.machine);
}

void Report::write_markdown(const std::string& path, const RunInfo& run, const std::string& command,
                            const std::string& notes_file, const Options& o) const {
  std::ostringstream md;
  md << "# Benchmarks\n\n"
     << "Generated by `tools/bench`; do not edit by hand: rerun it. The profile notes\n"
     << "at the end are hand-written, in `bench/profile.md`.\n\n"
     << "- Code measured: " << (run.code.empty() ? std::string("(not recorded)") : run.code) << "\n"
     << "- Run: " << run.started << " to " << run.ended << "\n"
     << "- Machine: " << run.machine << "; load average (1, 5, 15 min) " << run.load_start << " at the start, "
     << run.load_end << " at the end (the machine is shared: other work competes for the 2 CPUs)\n"
     << "- Command: `" << command << "`\n"
     << "- Every ratio divides two numbers measured in this same run, on this machine, the two\n"
     << "  subjects taking turns in slices; each section names the command that reruns just that\n"
     << "  workload. CSV: `bench/results/`.\n\n";

  for (const char* group : {"runtime", "earlier"}) {
    std::vector<const GoalCheck*> in;
    for (const auto& g : goals)
      if (g.group == group) in.push_back(&g);
    md << (std::string(group) == "runtime" ? "## Goals vs measured\n\n"
                                           : "\n### Earlier goals (fan-out, pending memory, find_each)\n\n")
       << "| goal | backend | case | baseline | Grant | ratio | target | met? |\n"
       << "|---|---|---|---|---|---|---|---|\n";
    for (const auto* g : in)
      md << "| " << g->goal << " | " << g->backend << " | " << g->kase << " | " << g->baseline << " | "
         << g->measured << " | " << g->ratio << " | " << g->target << " | "
         << (g->met ? std::string("met") : "**" + g->verdict + "**") << " |\n";
    if (in.empty()) md << "| (no goal of this group was measured in this run) | | | | | | | |\n";
  }

  // Charts drawn by this run (tools/bench puts them next to the CSV).
  const std::vector<std::pair<std::string, std::string>> charts{
      {"lookup.svg", "lookup latency, ratio to raw ODBC"},
      {"fanout.svg", "fan-out: wall time vs N"},
      {"throughput.svg", "throughput against pgbench and raw ODBC"},
      {"memory.svg", "memory per row of all(), find_each and raw ODBC"},
  };
  if (!o.charts.empty()) {
    md << "\nCharts (SVG, from this run):";
    for (const auto& [file, title] : charts) md << " [" << title << "](bench/results/" << file << ")";
    md << ".\n";
  }

  for (const auto& w : workload_order) {
    // One table row per (backend, case, subject), one column per metric: "value unit (ratio)".
    std::vector<std::string> metrics, commands;
    std::vector<std::tuple<std::string, std::string, std::string>> keys;
    std::map<std::tuple<std::string, std::string, std::string>, std::map<std::string, std::string>> cells;
    for (const auto& row : rows) {
      if (row.r.workload != w) continue;
      const Result& r = row.r;
      if (std::find(metrics.begin(), metrics.end(), r.metric) == metrics.end()) metrics.push_back(r.metric);
      if (std::find(commands.begin(), commands.end(), row.command) == commands.end()) commands.push_back(row.command);
      auto key = std::make_tuple(r.backend, r.kase, r.subject);
      if (!cells.count(key)) keys.push_back(key);
      std::string cell = value_text(r) + " " + r.unit;
      if (row.ratio) cell += " (" + ratio_text(row.ratio) + (r.workload == "scaling" && r.metric == "peak RSS" ? " " + row.vs : "") + ")";
      cells[key][r.metric] = cell;
    }
    // Group by backend, then case, in the order they first appeared (fan-out runs raw ODBC for
    // every N before Grant).
    std::vector<std::string> seen;
    auto first_seen = [&](const std::string& s) {
      auto it = std::find(seen.begin(), seen.end(), s);
      if (it != seen.end()) return it - seen.begin();
      seen.push_back(s);
      return static_cast<std::ptrdiff_t>(seen.size() - 1);
    };
    for (const auto& k : keys) first_seen(std::get<0>(k) + "\t" + std::get<1>(k));
    std::stable_sort(keys.begin(), keys.end(), [&](const auto& a, const auto& b) {
      return first_seen(std::get<0>(a) + "\t" + std::get<1>(a)) < first_seen(std::get<0>(b) + "\t" + std::get<1>(b));
    });
    std::vector<std::string> texts;
    for (const auto& [workload, text] : notes)
      if (workload == w) texts.push_back(text);
    if (keys.empty() && texts.empty()) continue;
    md << "\n## " << workload_titles.at(w) << "\n\n";
    if (!commands.empty()) {
      md << "Reproduce:\n";
      for (const auto& c : commands) md << "- `" << c << "`\n";
      md << "\n";
    }
    if (!keys.empty()) {
      md << "| backend | case | subject |";
      for (const auto& m : metrics) md << " " << m << " |";
      md << "\n|---|---|---|";
      for (std::size_t i = 0; i < metrics.size(); ++i) md << "---|";
      md << "\n";
      for (const auto& key : keys) {
        md << "| " << std::get<0>(key) << " | " << std::get<1>(key) << " | " << std::get<2>(key) << " |";
        for (const auto& m : metrics) {
          auto it = cells[key].find(m);
          md << " " << (it == cells[key].end() ? std::string() : it->second) << " |";
        }
        md << "\n";
      }
      if (w == "lookup" || w == "scaling" || w == "throughput" || w == "fanout" || w == "legacy" ||
          w == "server")
        md << "\nRatios in brackets: to "
           << (w == "lookup" || w == "legacy" ? "raw ODBC"
               : w == "server"                ? "the raw ODBC store"
               : w == "throughput"            ? "pgbench (PostgreSQL) or raw ODBC (SQLite)"
               : w == "fanout"                ? "L"
                                              : "raw ODBC (per row) and to the same subject's smallest table (peak RSS)")
           << ", from this run.\n";
    }
    for (const auto& text : texts) md << "\n- " << text << "\n";
  }

  md << "\n## How each number is taken\n\n"
     << "- Lookups: " << o.lookups << " random ids (fixed seed, the same for every subject) on a table of "
     << o.rows << " rows,\n  one at a time; the subjects take turns in " << o.rounds
     << " rounds so that load changes hit them alike; each op is timed\n"
     << "  alone (steady_clock) after a warm-up; median and p99 (nearest rank). A subject that takes\n"
     << "  milliseconds per lookup is timed on the first ids of each round only (about 3 s a round:\n"
     << "  *lookups timed*). Raw ODBC: statement prepared,\n"
     << "  parameter and columns bound once, rows copied into a struct. Grant's `find()` and\n"
     << "  `async_find().await()` are called from the process's main thread, a plain thread with no\n"
     << "  other fiber (pool " << o.pool << "). *fiber with " << o.siblings
     << " busy siblings*: the same await from a fiber on a thread of its own\n"
     << "  where " << o.siblings << " other fibers loop on `yield()`, so some fiber is always ready to run there\n"
     << "  (its client CPU therefore includes the siblings' own).\n"
     << "  Subjects that split the cost: *thread round trip (condvar, no SQL)* is the floor of any hand-off\n"
     << "  to a sleeping thread; *Grant Shard::run (no SQL)* is Grant's hand-off; *Grant Connection::query\n"
     << "  (inside a job)* is the connection layer alone, timed inside one job; *Grant Shard::query (raw SQL)*\n"
     << "  is both.\n"
     << "- Client CPU: `getrusage(RUSAGE_SELF)` user + system of the bench process (every thread, so\n"
     << "  Grant's worker threads count) around each subject's own slices, divided by its operations;\n"
     << "  pgbench's from `RUSAGE_CHILDREN` once it has been waited for, divided by tps x seconds.\n"
     << "- Fan-out: `SELECT pg_sleep(L)` N times, sequentially and all added to one Coordinator;\n"
     << "  pool and raw connections opened before timing; raw ODBC and the Coordinator take turns, median of "
     << o.fanout_repeats << " runs.\n"
     << "- Throughput: pgbench, raw ODBC with one thread and connection per pool slot, and Grant with\n"
     << "  " << o.fibers << " fibers on one thread calling `Account::find` through a pool of " << o.pool
     << " (the full row; pgbench and raw ODBC\n  select `abalance` only), " << o.seconds
     << " s each, in slices of about 2 s taken in turn; rate = mean over the slices.\n"
     << "  pgbench's own tps excludes its connection time; raw ODBC connects before its clock starts.\n"
     << "- Legacy server: " << o.legacy_threads << " plain threads, each calling `find()` on random ids of the "
     << o.rows << "-row table\n  in a loop (a thread-per-request server), Grant's pool sized "
     << o.legacy_threads << "; against " << o.legacy_threads
     << " raw ODBC threads with a connection and prepared statement each.\n  " << o.legacy_seconds
     << " s each, in slices of about 2 s taken in turn, after an uncounted warm-up.\n"
     << "- Legacy server over TCP: the server of `examples/legacy_server/` (one thread per connection,\n"
     << "  Boost.Asio blocking sockets), two regions (two SQLite files, or two PostgreSQL databases), twice\n"
     << "  in one process: on its Grant store (`store.cpp`: pool of " << o.legacy_threads
     << " per region, prepared statements, `REPORT`\n"
     << "  as one Coordinator over both regions) and on its raw ODBC store (`odbc_store.cpp`: one connection\n"
     << "  per server thread and region, `SQLExecDirect` with bound parameters, transactions as SQL text,\n"
     << "  `REPORT` region after region). The same tables serve both. " << o.legacy_threads
     << " loopback TCP clients, connected once before\n"
     << "  the warm-up, each send one request at a time, per ten: six `STOCK`, three `ORDER` of one unit, one\n"
     << "  `REPORT`; any answer but `OK` fails the run. " << o.legacy_seconds
     << " s per store in slices of about 2 s taken in turn (orders\n"
     << "  accumulate, so `REPORT` slows alike for both). SQLite: both stores connect with `JournalMode=WAL` and\n"
     << "  a 5 s busy timeout (Grant's defaults); Grant's connections also set `BigInt`, `FKSupport` (no foreign\n"
     << "  keys here). PostgreSQL: Grant's connections add keep-alive and `SET TIME ZONE 'UTC'` once. Process\n"
     << "  CPU is the whole process per request: clients, server threads and Grant's workers.\n"
     << "- Memory: every pool connection is first held by a job waiting on a gate, so all the\n"
     << "  async_find calls stay queued at once; bytes per op = RSS growth while issuing them / count.\n"
     << "  Peak RSS is the child process's VmHWM.\n"
     << "- Scaling: one child process per (subject, size), so VmHWM is that case's own peak; time per row\n"
     << "  includes building every model object.\n";

  if (!notes_file.empty()) {
    std::ifstream in(notes_file);
    if (in) md << "\n" << in.rdbuf();
  }
  std::ofstream out(path);
  if (!out) throw std::runtime_error("cannot write " + path);
  out << md.str();
}

}  // namespace bench
