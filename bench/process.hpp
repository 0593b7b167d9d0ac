// Running other programs: pgbench, and the bench binary itself as a child per workload.
#pragma once

#include <functional>
#include <string>
#include <vector>

namespace bench {

/// Runs argv[0] (searched in PATH) with its stdout read line by line into `on_line`; stderr is
/// inherited. Returns the exit status (128 + signal when killed by a signal).
int run_lines(const std::vector<std::string>& argv, const std::function<void(const std::string&)>& on_line);

/// Path of the running executable (/proc/self/exe resolved).
std::string self_path();

/// argv as one shell-quoted line, for showing a command.
std::string shell_line(const std::vector<std::string>& argv);

}  // namespace bench
