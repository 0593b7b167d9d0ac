// What the parent makes of the children's rows: ratios to each workload's baseline, the
// goals checked against them, the terminal table, the CSV and BENCHMARKS.md.
#pragma once

#include "bench/common.hpp"

#include <optional>
#include <string>
#include <vector>

namespace bench {

/// A row with its ratio, when the workload has a baseline for it.
struct Row {
  Result r;
  std::optional<double> ratio;
  std::string vs;       ///< what the ratio divides by
  std::string command;  ///< reproduces this row
};

/// A goal checked on one row: the baseline's number, Grant's, their ratio and the target.
struct GoalCheck {
  std::string group;  ///< "runtime" (the current goals) or "earlier"
  std::string goal, backend, kase;
  std::string baseline;  ///< "raw ODBC: 55.8 us/op" ("" for an absolute goal)
  std::string measured;  ///< Grant's number
  std::string ratio;     ///< "1.78x" ("" for an absolute goal)
  std::string target;    ///< "<= 1.10x"
  bool met = false;
  std::string verdict;  ///< "met", or "missed: 62% over the limit"
};

/// When and where the run happened.
struct RunInfo {
  std::string started, ended, machine, load_start, load_end;
  std::string code;  ///< which code was measured (commit), as tools/bench describes it
};

struct Report {
  std::vector<Row> rows;
  std::vector<std::pair<std::string, std::string>> notes;  ///< (workload, text): n/a, failures
  std::vector<GoalCheck> goals;

  /// Fills ratio/vs of every row and `goals`.
  void compute();
  void print_table() const;
  void write_csv(const std::string& path, const std::string& date) const;
  /// `notes_file`: hand-written profile findings, included as they are ("" = none).
  void write_markdown(const std::string& path, const RunInfo& run, const std::string& command,
                      const std::string& notes_file, const Options& o) const;
};

/// "nproc N, CPU model, kernel" for the reader of the numbers.
std::string machine_description();
/// /proc/loadavg's three averages.
std::string load_average();

}  // namespace bench
