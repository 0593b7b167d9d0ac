#include "bench/peers/peers.hpp"
#include "bench/peers/raw_odbc.hpp"
#include "bench/process.hpp"

#include <iostream>
#include <stdexcept>

namespace bench::peers {
namespace {

std::vector<std::string> pgbench_argv(const Options& o) {
  return {o.pgbench, "-h", o.pg_host, "-p", std::to_string(o.pg_port), "-U", o.pg_user};
}

}  // namespace

void pgbench_init(const Options& o, int scale) {
  raw::Connection c(target_for(o, "postgresql").odbc);
  std::int64_t branches = -1;
  try {
    branches = c.scalar("SELECT COUNT(*) FROM pgbench_branches");
  } catch (const std::exception&) {
    // Not initialised yet.
  }
  if (branches == scale) return;
  note("pgbench -i -s " + std::to_string(scale));
  auto argv = pgbench_argv(o);
  argv.insert(argv.end(), {"-i", "-q", "-s", std::to_string(scale), o.pg_db});
  // pgbench -i reports progress on stderr; stdout goes to ours as progress too.
  int rc = run_lines(argv, [](const std::string& line) { std::cerr << "pgbench: " << line << "\n"; });
  if (rc != 0) throw std::runtime_error(shell_line(argv) + " failed with status " + std::to_string(rc));
}

double pgbench_select(const Options& o, int clients, int threads, int seconds) {
  auto argv = pgbench_argv(o);
  argv.insert(argv.end(), {"-n", "-S", "-M", "prepared", "-c", std::to_string(clients), "-j", std::to_string(threads),
                           "-T", std::to_string(seconds), o.pg_db});
  double tps = -1;
  int rc = run_lines(argv, [&](const std::string& line) {
    // pgbench 15: "tps = 12345.678901 (without initial connection time)"
    if (line.rfind("tps = ", 0) == 0) tps = std::strtod(line.c_str() + 6, nullptr);
  });
  if (rc != 0 || tps < 0)
    throw std::runtime_error(shell_line(argv) + " failed (status " + std::to_string(rc) + ", no tps line)");
  return tps;
}

}  // namespace bench::peers
