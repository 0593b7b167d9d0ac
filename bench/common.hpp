// Shared by every part of the bench: options, targets, result rows, timing and memory probes.
//
// The bench runs as one parent process (bench/main.cpp) that prepares data and spawns one
// child process per (backend, workload[, case]); a child measures and prints result rows on
// stdout ("RESULT\t..." lines, see emit()), the parent collects them and writes the table,
// the CSV and BENCHMARKS.md. A child per case keeps peak RSS (VmHWM) honest and lets each
// workload have its own grant::Runtime (one per process) with the pool size it needs.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

namespace bench {

/// Everything the command line can set (bench/main.cpp documents the flags).
struct Options {
  bool quick = false;
  std::vector<std::string> backends;  ///< "sqlite", "postgresql"
  std::vector<std::string> only;      ///< workloads to run; empty = all
  std::string sqlite_path;            ///< the SQLite database file
  std::string pg_host = "127.0.0.1";
  int pg_port = 5432;
  std::string pg_user = "postgres";
  std::string pg_db = "postgres";
  std::string pgbench = "pgbench";
  std::int64_t rows = 100000;          ///< workload 1 table size
  std::int64_t lookups = 20000;        ///< workload 1 lookups per subject
  int rounds = 10;                     ///< workload 1: subjects alternate in this many rounds
  std::vector<std::string> subjects;   ///< workload 1: run only these subjects (for profiling)
  double seconds = 10;                 ///< workload 3 duration (each side)
  int fibers = 1000;                   ///< workload 3 client fibers
  int pool = 8;                        ///< workload 3 pool size / pgbench clients
  int siblings = 4;                    ///< workload 1: busy sibling fibers next to the awaiting one
  int legacy_threads = 16;             ///< legacy server: plain threads (and Grant's pool size)
  double legacy_seconds = 8;           ///< legacy server: seconds per subject
  std::vector<int> pgbench_scales{1, 10};  ///< workload 3 pgbench -i scales (100,000 accounts each), one case each
  std::vector<int> fanout{5, 20, 100}; ///< workload 2 N
  int sleep_ms = 50;                   ///< workload 2 L
  int fanout_repeats = 5;              ///< workload 2 runs per N, raw and Grant in turn (medians reported)
  int pending = 10000;                 ///< workload 4 pending async_find
  std::vector<std::int64_t> scale_rows{10000, 100000, 1000000};  ///< workload 5 sizes
  int batch = 1000;                    ///< workload 5 find_each batch size
  std::string csv;                     ///< where the parent writes the CSV ("" = none)
  std::string markdown;                ///< where the parent writes BENCHMARKS.md ("" = none)
  std::string charts;                  ///< where the parent draws the SVG charts ("" = none)
  std::string notes;                   ///< hand-written profile notes included in the markdown
  std::string command;                 ///< the command line shown next to the numbers
  std::string code;                    ///< which code is measured (commit), shown in the markdown
  std::string reproduce;               ///< prefix of per-row commands (default "tools/bench")
  std::vector<std::string> passthrough;  ///< size flags given by the user, repeated in commands

  // Child-only.
  std::string child;   ///< workload name when this process is a child
  std::string method;  ///< workload 5: all | find_each | raw
  std::int64_t size = 0;  ///< workload 5: table size
};

/// One database as each client library spells it.
struct Target {
  std::string backend;  ///< "sqlite" | "postgresql"
  std::string odbc;     ///< ODBC connection string
  std::string libpq;    ///< libpq conninfo (PostgreSQL only)
  bool pg() const { return backend == "postgresql"; }
};
Target target_for(const Options& o, const std::string& backend);

/// One measured number. `kase` distinguishes sizes within a workload ("N=20", "rows=10000").
struct Result {
  std::string backend, workload, kase, subject, metric;
  double value = 0;
  std::string unit;
};

/// Prints a result row for the parent to collect (children) — tab-separated on stdout.
void emit(const Result& r);
/// Parses a line printed by emit(); false if the line is not a result row.
bool parse_result(const std::string& line, Result& r);

using Clock = std::chrono::steady_clock;
inline double micros_since(Clock::time_point t0) {
  return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
}

/// q in [0, 1]; sorts `v`.
double percentile(std::vector<double>& v, double q);

/// A field of /proc/self/status in kB ("VmRSS", "VmHWM"); 0 if absent.
std::int64_t status_kb(const char* field);

/// Same ids for every subject: uniform in [1, max], fixed seed.
std::vector<std::int64_t> random_ids(std::size_t n, std::int64_t max, std::uint64_t seed);

/// Progress for the person watching (stderr, so stdout stays the children's result channel).
void note(const std::string& text);

/// CPU time of this process, every thread, user + system, in µs (getrusage RUSAGE_SELF).
double process_cpu_micros();
/// CPU time of the child processes waited for so far, user + system, in µs (RUSAGE_CHILDREN).
double children_cpu_micros();

/// "1m05s", "42s": a duration for a person.
std::string duration_text(double seconds);

/// Progress of one long step with an ETA, printed through note() at most every few seconds
/// (and once at the end). `total` is in whatever units the caller advances by.
class Progress {
 public:
  Progress(std::string what, double total);
  /// `done` units finished so far (absolute, not a delta).
  void update(double done);

 private:
  std::string what_;
  double total_;
  Clock::time_point start_, last_;
};

}  // namespace bench
