// tools/bench's binary: Grant for C++ against raw ODBC, SOCI, libpqxx and pgbench.
//
//   bench [--quick] [--backend sqlite|postgresql]... [--only lookup|fanout|throughput|legacy|server|memory|scaling]...
//         --sqlite FILE  --pg-host H --pg-port P [--pg-user U] [--pg-db D]
//         [size flags, see --help] [--csv FILE] [--markdown FILE] [--charts DIR] [--notes FILE] [--command TEXT]
//
// As the parent it creates the data, runs one child process (this binary with --child) per
// backend and workload (per case for scaling), prints the table, and writes the CSV and
// the markdown and the charts (gnuplot SVG) when asked. Before each step it prints the
// step's number, its estimated time and the whole run's ETA. tools/bench is the usual way
// in: it builds this, starts a throwaway PostgreSQL and passes the flags.
#include "bench/charts.hpp"
#include "bench/common.hpp"
#include "bench/data.hpp"
#include "bench/peers/peers.hpp"
#include "bench/process.hpp"
#include "bench/report.hpp"
#include "bench/workloads/workloads.hpp"

#include <boost/program_options.hpp>

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <ctime>
#include <functional>
#include <iostream>
#include <set>
#include <sstream>

namespace po = boost::program_options;
using namespace bench;

namespace {

const std::vector<std::string> all_workloads{"lookup", "fanout", "throughput", "legacy", "server", "memory", "scaling"};

// Comma-separated lists and repeated flags both work: --backend sqlite,postgresql.
std::vector<std::string> split_all(const std::vector<std::string>& in) {
  std::vector<std::string> out;
  for (const auto& s : in) {
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ','))
      if (!item.empty()) out.push_back(item);
  }
  return out;
}
template <class T>
std::vector<T> numbers(const std::string& list) {
  std::vector<T> out;
  for (const auto& s : split_all({list})) out.push_back(static_cast<T>(std::stoll(s)));
  return out;
}
template <class T>
std::string join(const std::vector<T>& v) {
  std::string out;
  for (const auto& x : v) out += (out.empty() ? "" : ",") + std::to_string(x);
  return out;
}

// --quick: every workload small, the whole run well under a minute.
void quick_defaults(Options& o) {
  o.rows = 10000;
  o.lookups = 1000;
  o.rounds = 2;
  o.seconds = 2;
  o.legacy_seconds = 2;
  o.pgbench_scales = {1};
  o.fanout = {5, 20};
  o.fanout_repeats = 3;
  o.pending = 2000;
  o.scale_rows = {1000, 10000};
}

struct Parsed {
  Options o;
  int status = -1;  ///< >= 0: exit with it (help, bad flags)
};

Parsed parse(int argc, char** argv) {
  Parsed p;
  Options& o = p.o;
  std::vector<std::string> backends, only;
  std::string fanout, scale_rows, pgbench_scales;
  po::options_description flags("bench flags");
  flags.add_options()
      ("help,h", "this text")
      ("quick", po::bool_switch(&o.quick), "every workload small (about a minute); explicit size flags still win")
      ("backend", po::value(&backends)->composing(), "sqlite, postgresql (repeat or comma-separate; default both)")
      ("only", po::value(&only)->composing(), "lookup, fanout, throughput, legacy, server, memory, scaling (default all)")
      ("sqlite", po::value(&o.sqlite_path), "SQLite database file (created if missing)")
      ("pg-host", po::value(&o.pg_host)->default_value(o.pg_host), "PostgreSQL host")
      ("pg-port", po::value(&o.pg_port)->default_value(o.pg_port), "PostgreSQL port")
      ("pg-user", po::value(&o.pg_user)->default_value(o.pg_user), "PostgreSQL user")
      ("pg-db", po::value(&o.pg_db)->default_value(o.pg_db), "PostgreSQL database")
      ("pgbench", po::value(&o.pgbench)->default_value(o.pgbench), "pgbench executable")
      ("rows", po::value<std::int64_t>(), "lookup table rows (100000; quick 10000)")
      ("lookups", po::value<std::int64_t>(), "lookups per subject (20000; quick 1000)")
      ("rounds", po::value<int>(), "lookup rounds the subjects alternate in (10; quick 2)")
      ("subject", po::value(&o.subjects)->composing(), "lookup: only this subject (e.g. 'Grant find()'); throughput: subjects starting with it (repeatable; for profiling)")
      ("seconds", po::value<double>(), "throughput seconds per side (10; quick 2)")
      ("fibers", po::value<int>(), "throughput client fibers (1000)")
      ("pool", po::value<int>(), "pool size / pgbench clients (8)")
      ("siblings", po::value<int>(), "lookup: busy sibling fibers next to the awaiting fiber (4)")
      ("legacy-threads", po::value<int>(), "legacy, server: plain request threads / TCP clients, and Grant's pool size (16)")
      ("legacy-seconds", po::value<double>(), "legacy, server: seconds per subject, in slices of about 2 s (8; quick 2)")
      ("pgbench-scale", po::value(&pgbench_scales), "pgbench -i scales, 100000 accounts each, one case per scale (1,10; quick 1)")
      ("fanout", po::value(&fanout), "fan-out N list (5,20,100; quick 5,20)")
      ("sleep-ms", po::value<int>(), "fan-out L in ms (50)")
      ("fanout-repeats", po::value<int>(), "fan-out runs per N, raw ODBC and Grant in turn, medians kept (5; quick 3)")
      ("pending", po::value<int>(), "async_find pending at once (10000; quick 2000)")
      ("scale-rows", po::value(&scale_rows), "scaling sizes (10000,100000,1000000; quick 1000,10000)")
      ("batch", po::value<int>(), "find_each batch size (1000)")
      ("csv", po::value(&o.csv), "write the results as CSV here")
      ("markdown", po::value(&o.markdown), "write BENCHMARKS.md here")
      ("charts", po::value(&o.charts), "draw the headline charts (SVG, gnuplot) into this directory")
      ("notes", po::value(&o.notes), "profile notes (markdown) to include in it")
      ("command", po::value(&o.command), "the command line to print next to the numbers")
      ("code", po::value(&o.code), "which code is measured (commit), shown in the markdown")
      ("reproduce", po::value(&o.reproduce)->default_value("tools/bench"), "how per-workload commands start");
  po::options_description hidden;
  hidden.add_options()("child", po::value(&o.child))("method", po::value(&o.method))("size", po::value(&o.size));
  po::options_description all;
  all.add(flags).add(hidden);
  po::variables_map vm;
  try {
    po::store(po::parse_command_line(argc, argv, all), vm);
    po::notify(vm);
  } catch (const po::error& e) {
    std::cerr << "bench: " << e.what() << "\n" << flags;
    p.status = 2;
    return p;
  }
  if (vm.count("help")) {
    std::cout << flags;
    p.status = 0;
    return p;
  }
  if (o.quick) quick_defaults(o);
  if (vm.count("rows")) o.rows = vm["rows"].as<std::int64_t>();
  if (vm.count("lookups")) o.lookups = vm["lookups"].as<std::int64_t>();
  if (vm.count("rounds")) o.rounds = vm["rounds"].as<int>();
  if (vm.count("seconds")) o.seconds = vm["seconds"].as<double>();
  if (vm.count("fibers")) o.fibers = vm["fibers"].as<int>();
  if (vm.count("pool")) o.pool = vm["pool"].as<int>();
  if (vm.count("siblings")) o.siblings = vm["siblings"].as<int>();
  if (vm.count("legacy-threads")) o.legacy_threads = vm["legacy-threads"].as<int>();
  if (vm.count("legacy-seconds")) o.legacy_seconds = vm["legacy-seconds"].as<double>();
  if (vm.count("sleep-ms")) o.sleep_ms = vm["sleep-ms"].as<int>();
  if (vm.count("fanout-repeats")) o.fanout_repeats = vm["fanout-repeats"].as<int>();
  if (vm.count("pending")) o.pending = vm["pending"].as<int>();
  if (vm.count("batch")) o.batch = vm["batch"].as<int>();
  if (!fanout.empty()) o.fanout = numbers<int>(fanout);
  if (!scale_rows.empty()) o.scale_rows = numbers<std::int64_t>(scale_rows);
  if (!pgbench_scales.empty()) o.pgbench_scales = numbers<int>(pgbench_scales);
  // The flags a user set explicitly are repeated in every per-workload command.
  for (const char* f : {"rows", "lookups", "rounds", "seconds", "fibers", "pool", "siblings", "legacy-threads",
                        "legacy-seconds", "pgbench-scale", "sleep-ms",
                        "fanout-repeats", "pending", "batch", "fanout", "scale-rows"})
    if (vm.count(f) && !vm[f].defaulted()) {
      std::ostringstream v;
      const auto& any = vm[f].value();
      if (auto s = boost::any_cast<std::string>(&any)) v << *s;
      else if (auto i = boost::any_cast<int>(&any)) v << *i;
      else if (auto l = boost::any_cast<std::int64_t>(&any)) v << *l;
      else if (auto d = boost::any_cast<double>(&any)) v << *d;
      o.passthrough.push_back(std::string("--") + f + "=" + v.str());
    }

  o.backends = split_all(backends);
  if (o.backends.empty()) o.backends = {"sqlite", "postgresql"};
  o.only = split_all(only);
  if (o.only.empty()) o.only = all_workloads;
  std::string bad;
  for (const auto& b : o.backends)
    if (b != "sqlite" && b != "postgresql") bad = "unknown backend '" + b + "'";
  for (const auto& w : o.only)
    if (std::find(all_workloads.begin(), all_workloads.end(), w) == all_workloads.end())
      bad = "unknown workload '" + w + "'";
  if (std::count(o.backends.begin(), o.backends.end(), "sqlite") && o.sqlite_path.empty())
    bad = "--sqlite FILE is required for the sqlite backend";
  if (o.fanout.empty() || o.scale_rows.empty() || o.pool < 1 || o.fibers < 1 || o.rows < 1 || o.lookups < 1 ||
      o.pending < 1 || o.batch < 1 || o.siblings < 0 || o.legacy_threads < 1 || o.pgbench_scales.empty() ||
      *std::min_element(o.pgbench_scales.begin(), o.pgbench_scales.end()) < 1)
    bad = "sizes must be positive";
  if (!bad.empty()) {
    std::cerr << "bench: " << bad << "\n";
    p.status = 2;
  }
  return p;
}

// Every option a child needs, explicitly (the child parses them like any invocation).
std::vector<std::string> child_argv(const Options& o, const std::string& workload, const std::string& backend) {
  std::vector<std::string> a{self_path(), "--child", workload, "--backend", backend};
  auto add = [&](const std::string& k, const std::string& v) {
    a.push_back("--" + k);
    a.push_back(v);
  };
  if (!o.sqlite_path.empty()) add("sqlite", o.sqlite_path);
  add("pg-host", o.pg_host);
  add("pg-port", std::to_string(o.pg_port));
  add("pg-user", o.pg_user);
  add("pg-db", o.pg_db);
  add("pgbench", o.pgbench);
  add("rows", std::to_string(o.rows));
  add("lookups", std::to_string(o.lookups));
  add("rounds", std::to_string(o.rounds));
  add("seconds", std::to_string(o.seconds));
  add("fibers", std::to_string(o.fibers));
  add("pool", std::to_string(o.pool));
  add("siblings", std::to_string(o.siblings));
  add("legacy-threads", std::to_string(o.legacy_threads));
  add("legacy-seconds", std::to_string(o.legacy_seconds));
  add("pgbench-scale", join(o.pgbench_scales));
  add("fanout", join(o.fanout));
  add("sleep-ms", std::to_string(o.sleep_ms));
  add("fanout-repeats", std::to_string(o.fanout_repeats));
  add("pending", std::to_string(o.pending));
  add("scale-rows", join(o.scale_rows));
  add("batch", std::to_string(o.batch));
  for (const auto& s : o.subjects) add("subject", s);
  return a;
}

int run_child(const Options& o) {
  const Target t = target_for(o, o.backends.at(0));
  try {
    if (o.child == "lookup") workloads::lookup(o, t);
    else if (o.child == "fanout") workloads::fanout(o, t);
    else if (o.child == "throughput") workloads::throughput(o, t);
    else if (o.child == "legacy") workloads::legacy(o, t);
    else if (o.child == "server") workloads::server(o, t);
    else if (o.child == "memory") workloads::memory(o, t);
    else if (o.child == "scaling") workloads::scaling(o, t);
    else throw std::runtime_error("unknown workload " + o.child);
  } catch (const std::exception& e) {
    std::cerr << "bench: " << o.child << " on " << t.backend << " failed: " << e.what() << "\n";
    return 1;
  }
  return 0;
}

bool selected(const Options& o, const std::string& w) {
  return std::find(o.only.begin(), o.only.end(), w) != o.only.end();
}

std::string now_text() {
  std::time_t now = std::time(nullptr);
  char buf[64];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", std::gmtime(&now));
  return buf;
}

int run_parent(const Options& o) {
  Report report;
  RunInfo run{now_text(), "", machine_description(), load_average(), "", o.code};
  int failures = 0;
  auto command_for = [&](const std::string& w, const std::string& backend) {
    std::string c = o.reproduce + (o.quick ? " --quick" : "") + " --backend " + backend + " --only " + w;
    for (const auto& f : o.passthrough) c += " " + f;
    return c;
  };
  auto child = [&](const std::string& w, const std::string& backend, std::vector<std::string> extra = {},
                   const Options* with = nullptr) {
    auto argv = child_argv(with ? *with : o, w, backend);
    argv.insert(argv.end(), extra.begin(), extra.end());
    int rc = run_lines(argv, [&](const std::string& line) {
      Result r;
      if (parse_result(line, r)) report.rows.push_back({r, std::nullopt, "", command_for(w, backend)});
      else std::cerr << line << "\n";
    });
    if (rc != 0) {
      ++failures;
      report.notes.push_back({w, backend + ": FAILED (child exit " + std::to_string(rc) + ", see its message above)"});
    }
  };
  auto guarded = [&](const std::string& w, const std::string& backend, const std::function<void()>& fn) {
    try {
      fn();
    } catch (const std::exception& e) {
      ++failures;
      note(w + " on " + backend + ": " + e.what());
      report.notes.push_back({w, backend + ": FAILED: " + e.what()});
    }
  };

  // The run as a list of steps, each with a rough time estimate, so that progress lines can
  // give an ETA for the whole run; the estimates are rescaled by how the finished steps went.
  struct Step {
    std::string label;
    double estimate;  ///< seconds
    std::function<void()> run;
  };
  std::vector<Step> steps;
  const double slice_total = std::max(1.0, std::round(o.seconds));
  const double legacy_total = std::max(1.0, std::round(o.legacy_seconds));
  for (const auto& backend : o.backends) {
    const Target t = target_for(o, backend);
    if (selected(o, "lookup"))
      steps.push_back({"lookup on " + backend,
                       // Ten subjects; SOCI's ODBC backend on SQLite is capped at about 3 s a round.
                       static_cast<double>(o.lookups + o.lookups / 4) * 10 * (t.pg() ? 1.2e-4 : 6e-5) +
                           (t.pg() ? 3 : 5 + 3.0 * o.rounds),
                       [&, t, backend] {
                         guarded("lookup", backend, [&] {
                           data::users(t, data::lookup_table(), o.rows);
                           child("lookup", backend);
                           if (!t.pg())
                             report.notes.push_back({"lookup", "sqlite: libpqxx and SOCI postgresql are n/a on sqlite; SOCI sqlite3 is SOCI's native backend"});
                         });
                       }});
    if (selected(o, "fanout")) {
      if (t.pg()) {
        double est = 2;
        for (int n : o.fanout) est += (2.0 * o.fanout_repeats + n) * o.sleep_ms / 1000.0 + 0.05 * n;
        steps.push_back({"fanout on " + backend, est, [&, backend] {
                           guarded("fanout", backend, [&] { child("fanout", backend); });
                         }});
      } else {
        report.notes.push_back({"fanout", "sqlite: n/a on sqlite (the workload is pg_sleep on the server: PostgreSQL only)"});
      }
    }
    if (selected(o, "throughput")) {
      for (int scale : o.pgbench_scales)
        steps.push_back({"throughput on " + backend + " at scale " + std::to_string(scale),
                         slice_total * (t.pg() ? 3 : 2) + 2 + 2.0 * scale, [&, t, backend, scale] {
                           guarded("throughput", backend, [&] {
                             if (t.pg()) peers::pgbench_init(o, scale);
                             else data::sqlite_accounts(t, scale);
                             Options one = o;
                             one.pgbench_scales = {scale};
                             child("throughput", backend, {}, &one);
                           });
                         }});
      if (!t.pg())
        report.notes.push_back({"throughput", "sqlite: pgbench is n/a on sqlite; the baseline is raw ODBC with one thread per pool slot"});
    }
    if (selected(o, "legacy"))
      steps.push_back({"legacy server on " + backend, legacy_total * 2 + 3, [&, t, backend] {
                         guarded("legacy", backend, [&] {
                           data::users(t, data::lookup_table(), o.rows);
                           child("legacy", backend);
                         });
                       }});
    if (selected(o, "server"))
      steps.push_back({"legacy server over TCP on " + backend, legacy_total * 2 + 5, [&, backend] {
                         guarded("server", backend, [&] { child("server", backend); });
                       }});
    if (selected(o, "memory"))
      steps.push_back({"memory on " + backend, 3 + o.pending * 2e-4, [&, t, backend] {
                         guarded("memory", backend, [&] {
                           data::users(t, data::lookup_table(), o.rows);
                           child("memory", backend);
                         });
                       }});
    if (selected(o, "scaling")) {
      steps.push_back({"scaling tables on " + backend, 1, [&, t, backend] {
                         guarded("scaling", backend, [&] {
                           for (auto n : o.scale_rows) data::users(t, data::scale_table(n), n);
                         });
                       }});
      for (auto n : o.scale_rows)
        for (const char* m : {"raw", "all", "find_each"})
          steps.push_back({std::string("scaling on ") + backend + ": " + m + " over " + std::to_string(n) + " rows",
                           0.5 + static_cast<double>(n) * 8e-6, [&, backend, n, m] {
                             guarded("scaling", backend, [&] {
                               child("scaling", backend, {"--method", m, "--size", std::to_string(n)});
                             });
                           }});
    }
  }

  double estimated_total = 0;
  for (const auto& s : steps) estimated_total += s.estimate;
  note("about " + duration_text(estimated_total) + " for " + std::to_string(steps.size()) + " steps (estimate)");
  const auto run_start = Clock::now();
  double estimated_done = 0;
  for (std::size_t i = 0; i < steps.size(); ++i) {
    const double elapsed = micros_since(run_start) / 1e6;
    double left = 0;
    for (std::size_t j = i; j < steps.size(); ++j) left += steps[j].estimate;
    // After a few steps, trust the machine's pace over the estimates (clamped: one odd step
    // should not swing the ETA wildly).
    const double pace = estimated_done > 10 ? std::clamp(elapsed / estimated_done, 0.5, 3.0) : 1.0;
    note(fmt::format("[{}/{}] {} (about {}); run: {} elapsed, ETA {}", i + 1, steps.size(), steps[i].label,
                     duration_text(steps[i].estimate * pace), duration_text(elapsed), duration_text(left * pace)));
    steps[i].run();
    estimated_done += steps[i].estimate;
  }
  note("all steps done in " + duration_text(micros_since(run_start) / 1e6));

  report.compute();
  report.print_table();
  run.ended = now_text();
  run.load_end = load_average();
  if (!o.csv.empty()) report.write_csv(o.csv, run.started);
  if (!o.charts.empty()) {
    note("charts into " + o.charts);
    for (const auto& problem : draw_charts(report, o.charts)) {
      ++failures;
      note("charts: " + problem);
    }
  }
  if (!o.markdown.empty()) report.write_markdown(o.markdown, run, o.command.empty() ? o.reproduce : o.command, o.notes, o);
  if (failures) std::cout << "\nbench: " << failures << " workload run(s) failed\n";
  return failures ? 1 : 0;
}

}  // namespace

int main(int argc, char** argv) {
  Parsed p = parse(argc, argv);
  if (p.status >= 0) return p.status;
  try {
    return p.o.child.empty() ? run_parent(p.o) : run_child(p.o);
  } catch (const std::exception& e) {
    std::cerr << "bench: " << e.what() << "\n";
    return 1;
  }
}
