// What the parent makes of the children's rows: ratios to each workload's baseline, the
// goals (BENCHMARKS.md) checked against them, the terminal table, the CSV and BENCHMARKS.md.
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

/// A goal of the issue, checked on one row.
struct GoalCheck {
  std::string goal, backend, kase, measured;
  bool met = false;
};

/// When and where the run happened.
struct RunInfo {
  std::string started, ended, machine, load_start, load_end;
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
