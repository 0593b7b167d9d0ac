#include "bench/charts.hpp"

#include "bench/process.hpp"

#include <fmt/format.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>

namespace bench {
namespace {

// A gnuplot string literal (double quotes; names here have no newline).
std::string quoted(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    out += c;
  }
  return out + "\"";
}

const char* preamble =
    "set terminal svg size 1000,600 dynamic noenhanced font 'sans,12' background rgb 'white'\n"
    "set datafile missing '-'\n"
    "set grid ytics lc rgb '#dddddd'\n"
    "set border 3\n"
    "set tics nomirror\n";

// Runs gnuplot on `script` (output set inside it); "" when it worked.
std::string plot(const std::filesystem::path& dir, const std::string& name, const std::string& script) {
  const auto file = dir / ("." + name + ".gp");
  {
    std::ofstream out(file);
    out << preamble << "set output " << quoted((dir / (name + ".svg")).string()) << "\n" << script;
  }
  int rc = -1;
  try {
    rc = run_lines({"gnuplot", file.string()}, [](const std::string& line) { std::cerr << "gnuplot: " << line << "\n"; });
  } catch (const std::exception& e) {
    std::filesystem::remove(file);
    return name + ".svg: " + e.what() + " (tools/setup installs gnuplot-nox)";
  }
  if (!std::getenv("GRANT_BENCH_KEEP_SCRIPTS")) std::filesystem::remove(file);
  return rc == 0 ? "" : name + ".svg: gnuplot exited with status " + std::to_string(rc);
}

std::string cell(const std::optional<double>& v) { return v ? fmt::format("{:.6g}", *v) : "-"; }

bool starts_with(const std::string& s, const std::string& prefix) { return s.rfind(prefix, 0) == 0; }

}  // namespace

std::vector<std::string> draw_charts(const Report& report, const std::string& dir_name) {
  const std::filesystem::path dir(dir_name);
  std::filesystem::create_directories(dir);
  std::vector<std::string> problems;
  auto draw = [&](const std::string& name, const std::string& script) {
    if (auto p = plot(dir, name, script); !p.empty()) problems.push_back(p);
  };
  const std::vector<std::string> backends{"sqlite", "postgresql"};

  // Lookups: median latency / raw ODBC's, one bar per backend for each subject.
  {
    std::vector<std::string> subjects;
    std::map<std::pair<std::string, std::string>, double> ratio;
    for (const auto& row : report.rows)
      if (row.r.workload == "lookup" && row.r.metric == "median" && row.ratio) {
        if (std::find(subjects.begin(), subjects.end(), row.r.subject) == subjects.end())
          subjects.push_back(row.r.subject);
        ratio[{row.r.subject, row.r.backend}] = *row.ratio;
      }
    if (!subjects.empty()) {
      std::string data = "$data << EOD\n";
      for (const auto& s : subjects) {
        data += quoted(s);
        for (const auto& b : backends) {
          auto it = ratio.find({s, b});
          data += " " + cell(it == ratio.end() ? std::nullopt : std::optional<double>(it->second));
        }
        data += "\n";
      }
      data += "EOD\n";
      draw("lookup", data +
                         "set title 'Point lookups, one at a time: median latency as a multiple of raw ODBC (log scale; 1 = raw ODBC)'\n"
                         "set style data histograms\nset style histogram clustered gap 1\n"
                         "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
                         "set logscale y\nset yrange [0.05:*]\nset ylabel 'x raw ODBC'\n"
                         "set xtics rotate by -30 scale 0\nset bmargin 16\nset rmargin 12\nset key top left\n"
                         "set arrow from graph 0, first 1 to graph 1, first 1 nohead dt 2 lc rgb '#444444'\n"
                         "plot $data using 2:xtic(1) title 'sqlite' lc rgb '#4c72b0', '' using 3 title 'postgresql' lc rgb '#dd8452'\n");
    }
  }

  // Fan-out: wall time against N.
  {
    std::map<long long, std::map<std::string, double>> by_n;
    for (const auto& row : report.rows)
      if (row.r.workload == "fanout") {
        const auto& k = row.r.kase;  // "N=20 pool=100"
        long long n = std::atoll(k.c_str() + (k.find('=') == std::string::npos ? 0 : k.find('=') + 1));
        by_n[n][row.r.subject] = row.r.value;
      }
    if (!by_n.empty()) {
      std::string data = "$data << EOD\n";
      for (const auto& [n, values] : by_n) {
        auto get = [&](const std::string& prefix) -> std::optional<double> {
          for (const auto& [s, v] : values)
            if (starts_with(s, prefix)) return v;
          return std::nullopt;
        };
        data += fmt::format("{} {} {} {}\n", n, cell(get("L (")), cell(get("raw ODBC")), cell(get("Coordinator")));
      }
      data += "EOD\n";
      draw("fanout", data +
                         "set title 'Fan-out: N queries of L each at once, wall time (PostgreSQL)'\n"
                         "set logscale x\nset xlabel 'N (queries at once)'\nset ylabel 'ms'\nset yrange [0:*]\n"
                         "set key bottom right\n"
                         "plot $data using 1:2 with lines dt 2 lw 2 title 'L (one query alone)', "
                         "'' using 1:3 with linespoints lw 2 pt 7 title 'raw ODBC, N threads', "
                         "'' using 1:4 with linespoints lw 2 pt 5 title 'Grant Coordinator'\n");
    }
  }

  // Throughput (and the legacy-server workload): ops/s per case.
  {
    std::vector<std::string> cases;
    std::map<std::string, std::map<std::string, double>> values;  // case -> column -> ops/s
    for (const auto& row : report.rows)
      if ((row.r.workload == "throughput" || row.r.workload == "legacy" || row.r.workload == "server") &&
          row.r.metric == "rate") {
        const std::string label = (row.r.workload == "legacy"   ? "legacy server, "
                                   : row.r.workload == "server" ? "TCP server, "
                                                                : "") +
                                  row.r.backend + "\\n" + row.r.kase;
        if (std::find(cases.begin(), cases.end(), label) == cases.end()) cases.push_back(label);
        const std::string column = starts_with(row.r.subject, "pgbench")    ? "pgbench"
                                   : starts_with(row.r.subject, "raw ODBC") ? "raw"
                                                                            : "grant";
        values[label][column] = row.r.value;
      }
    if (!cases.empty()) {
      std::string data = "$data << EOD\n";
      for (const auto& c : cases) {
        auto get = [&](const char* col) -> std::optional<double> {
          auto it = values[c].find(col);
          return it == values[c].end() ? std::nullopt : std::optional<double>(it->second);
        };
        // The label's "\n" is gnuplot's own escape inside a double-quoted string.
        data += "\"" + c + "\" " + cell(get("pgbench")) + " " + cell(get("raw")) + " " + cell(get("grant")) + "\n";
      }
      data += "EOD\n";
      draw("throughput", data +
                             "set title 'Throughput: random primary-key lookups (ops/s, higher is better)'\n"
                             "set style data histograms\nset style histogram clustered gap 1\n"
                             "set style fill solid 0.85 border -1\nset boxwidth 0.9\n"
                             "set yrange [0:*]\nset ylabel 'ops/s'\nset xtics scale 0\nset bmargin 5\n"
                             "set key top right\n"
                             "plot $data using 2:xtic(1) title 'pgbench -S' lc rgb '#55a868', "
                             "'' using 3 title 'raw ODBC threads' lc rgb '#4c72b0', "
                             "'' using 4 title 'Grant' lc rgb '#dd8452'\n");
    }
  }

  // Memory per row: RSS growth / rows against the table size, per backend and subject.
  {
    std::map<std::string, std::map<long long, double>> lines;  // "backend: subject" -> rows -> bytes/row
    for (const auto& row : report.rows)
      if (row.r.workload == "scaling" && row.r.metric == "RSS growth") {
        const auto& k = row.r.kase;  // "rows=100000"
        long long n = std::atoll(k.c_str() + (k.find('=') == std::string::npos ? 0 : k.find('=') + 1));
        if (n > 0) lines[row.r.backend + ": " + row.r.subject][n] = row.r.value * 1024 * 1024 / static_cast<double>(n);
      }
    if (!lines.empty()) {
      std::string data, plots;
      int i = 0;
      for (const auto& [name, points] : lines) {
        data += fmt::format("$d{} << EOD\n", i);
        for (const auto& [n, bytes] : points) data += fmt::format("{} {:.6g}\n", n, bytes);
        data += "EOD\n";
        plots += fmt::format("{}$d{} using 1:2 with linespoints lw 2 pt {} dt {} title {}", i ? ", " : "", i,
                             5 + i % 3 * 2, name.rfind("postgresql", 0) == 0 ? 2 : 1, quoted(name));
        ++i;
      }
      draw("memory", data +
                         "set title 'Memory per row: peak RSS growth / rows read (lower is better)'\n"
                         "set logscale x\nset offsets graph 0.05, graph 0.05, 0, 0\nset xlabel 'rows in the table'\nset ylabel 'bytes per row'\n"
                         "set yrange [0:*]\nset key outside right\n"
                         "plot " + plots + "\n");
    }
  }
  return problems;
}

}  // namespace bench
