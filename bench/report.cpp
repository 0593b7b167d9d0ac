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
  if (r.unit == "ops/s" || r.unit == "ops" || r.unit == "bytes") return fmt::format("{:.0f}", r.value);
  if (r.unit == "us") return fmt::format("{:.2f}", r.value);
  return fmt::format("{:.1f}", r.value);
}

std::string ratio_text(const std::optional<double>& ratio) {
  return ratio ? fmt::format("{:.2f}x", *ratio) : std::string();
}

const std::vector<std::string> workload_order{"lookup", "fanout", "throughput", "memory", "scaling"};
const std::map<std::string, std::string> workload_titles{
    {"lookup", "1. Point lookups, one at a time"},
    {"fanout", "2. Fan-out: N queries of L each"},
    {"throughput", "3. Throughput: random primary-key lookups on pgbench_accounts"},
    {"memory", "4. Memory: async_find pending at once"},
    {"scaling", "5. Scaling: all() against find_each"},
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
    if (r.workload == "lookup") {
      base = find([&](const Result& b) {
        return b.backend == r.backend && b.kase == r.kase && b.metric == r.metric && b.subject == "raw ODBC";
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
    if (!base || &base->r == &row.r || base->r.value <= 0) continue;
    row.ratio = r.value / base->r.value;
    row.vs = r.workload == "scaling" && r.metric == "peak RSS" ? "own " + base->r.kase : base->r.subject;
  }

  goals.clear();
  struct Goal {
    std::string text, backend, workload, subject_prefix, metric;
    bool on_ratio;
    bool at_most;  ///< limit is an upper bound (else a lower bound)
    double limit;
  };
  const std::vector<Goal> table{
      {"(b) Grant find() <= 1.15x raw ODBC (median)", "postgresql", "lookup", "Grant find()", "median", true, true, 1.15},
      {"(c) Grant async_find().await() <= 1.3x raw ODBC (median)", "postgresql", "lookup", "Grant async_find", "median",
       true, true, 1.3},
      {"fan-out through a Coordinator <= 1.05x L (N <= pool)", "postgresql", "fanout", "Coordinator", "total", true, true,
       1.05},
      {"Grant throughput >= 0.8x pgbench -S", "postgresql", "throughput", "Grant", "rate", true, false, 0.8},
      {"10,000 pending async_find: peak RSS < 200 MB", "", "memory", "Grant", "peak RSS", false, true, 200},
      {"find_each peak RSS flat (<= 1.10x its smallest table)", "", "scaling", "Grant find_each", "peak RSS", true, true,
       1.10},
  };
  for (const auto& g : table)
    for (const auto& row : rows) {
      const Result& r = row.r;
      if ((!g.backend.empty() && r.backend != g.backend) || r.workload != g.workload || r.metric != g.metric ||
          !starts_with(r.subject, g.subject_prefix))
        continue;
      if (g.on_ratio && !row.ratio) continue;
      double v = g.on_ratio ? *row.ratio : r.value;
      GoalCheck c;
      c.goal = g.text;
      c.backend = r.backend;
      c.kase = r.kase;
      c.measured = g.on_ratio ? fmt::format("{:.2f}x ({} {})", v, value_text(r), r.unit)
                              : fmt::format("{} {}", value_text(r), r.unit);
      c.met = g.at_most ? v <= g.limit : v >= g.limit;
      // Fan-out: what the machine allows without Grant, for the reader to judge the miss.
      if (r.workload == "fanout")
        for (const auto& b : rows)
          if (b.r.backend == r.backend && b.r.workload == r.workload && b.r.kase == r.kase &&
              starts_with(b.r.subject, "raw ODBC") && b.ratio)
            c.measured += fmt::format("; raw ODBC, N threads: {:.2f}x", *b.ratio);
      goals.push_back(c);
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
      out += fmt::format("  {:<4} {:<58} {:<10} {:<22} {}\n", g.met ? "met" : "MISS", g.goal, g.backend, g.kase,
                         g.measured);
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
  double load[3] = {0, 0, 0};
  if (FILE* f = std::fopen("/proc/loadavg", "r")) {
    if (std::fscanf(f, "%lf %lf %lf", &load[0], &load[1], &load[2]) != 3) load[0] = load[1] = load[2] = 0;
    std::fclose(f);
  }
  return fmt::format("nproc {}, CPU \"{}\", Linux {} {}, load average at start {:.2f} {:.2f} {:.2f}",
                     std::thread::hardware_concurrency(), model, u.release, u.machine, load[0], load[1], load[2]);
}

void Report::write_markdown(const std::string& path, const std::string& date, const std::string& command,
                            const std::string& notes_file, const Options& o) const {
  std::ostringstream md;
  md << "# Benchmarks\n\n"
     << "Generated by `tools/bench` (issue #7); do not edit by hand: rerun it. The profile notes\n"
     << "at the end are hand-written, in `bench/profile.md`.\n\n"
     << "- Run: " << date << "\n"
     << "- Machine: " << machine_description() << "\n"
     << "- Command: `" << command << "`\n"
     << "- Every ratio divides two numbers measured in this same run, on this machine; each\n"
     << "  section names the command that reruns just that workload. CSV: `bench/results/`.\n\n";

  md << "## Goals vs measured\n\n| goal | backend | case | measured | |\n|---|---|---|---|---|\n";
  for (const auto& g : goals)
    md << "| " << g.goal << " | " << g.backend << " | " << g.kase << " | " << g.measured << " | "
       << (g.met ? "met" : "**missed**") << " |\n";
  if (goals.empty()) md << "| (no goal was measured in this run) | | | | |\n";

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
      if (w == "lookup" || w == "scaling" || w == "throughput" || w == "fanout")
        md << "\nRatios in brackets: to " << (w == "lookup" ? "raw ODBC" : w == "throughput" ? "pgbench (PostgreSQL) or raw ODBC (SQLite)" : w == "fanout" ? "L" : "raw ODBC (per row) and to the same subject's smallest table (peak RSS)") << ", from this run.\n";
    }
    for (const auto& text : texts) md << "\n- " << text << "\n";
  }

  md << "\n## How each number is taken\n\n"
     << "- Lookups: " << o.lookups << " random ids (fixed seed, the same for every subject) on a table of "
     << o.rows << " rows,\n  one at a time on one thread; the subjects take turns in " << o.rounds
     << " rounds so that load changes hit them alike; each op is timed\n"
     << "  alone (steady_clock) after a warm-up; median and p99 (nearest rank). Raw ODBC: statement prepared,\n"
     << "  parameter and columns bound once, rows copied into a struct. Grant's find() runs on a driver\n"
     << "  worker thread (pool " << o.pool << "); the caller waits on a fiber promise.\n"
     << "- Fan-out: `SELECT pg_sleep(L)` N times, sequentially and all added to one Coordinator;\n"
     << "  pool and raw connections opened before timing; raw ODBC and the Coordinator take turns, median of "
     << o.fanout_repeats << " runs.\n"
     << "- Throughput: pgbench, raw ODBC with one thread and connection per pool slot, and Grant with\n"
     << "  " << o.fibers << " fibers on one thread calling `Account::find` through a pool of " << o.pool
     << " (the full row; pgbench and raw ODBC\n  select `abalance` only), " << o.seconds
     << " s each, in slices of about 2 s taken in turn; rate = mean over the slices.\n"
     << "  pgbench's own tps excludes its connection time; raw ODBC connects before its clock starts.\n"
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
