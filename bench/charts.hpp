// The headline results as SVG charts, drawn by gnuplot from the report's rows: lookup latency
// as a ratio to raw ODBC, fan-out wall time against N, throughput against pgbench and raw
// ODBC, and memory per row of the scaling workload.
#pragma once

#include "bench/report.hpp"

#include <string>
#include <vector>

namespace bench {

/// Writes lookup.svg, fanout.svg, throughput.svg and memory.svg into `dir` (created if
/// missing), each only when this run measured its workload. Returns what went wrong (gnuplot
/// missing or failing), one text per chart; empty when every chart was drawn. With
/// GRANT_BENCH_KEEP_SCRIPTS set, the gnuplot scripts (data inline) stay next to the charts
/// as .<name>.gp, to restyle a chart by hand.
std::vector<std::string> draw_charts(const Report& report, const std::string& dir);

}  // namespace bench
