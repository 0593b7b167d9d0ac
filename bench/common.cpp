#include "bench/common.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>

#include <fmt/format.h>

#include <sys/resource.h>

namespace bench {

Target target_for(const Options& o, const std::string& backend) {
  Target t;
  t.backend = backend;
  if (backend == "sqlite") {
    t.odbc = "Driver=SQLite3;Database=" + o.sqlite_path;
  } else {
    std::string port = std::to_string(o.pg_port);
    t.odbc = "Driver={PostgreSQL Unicode};Server=" + o.pg_host + ";Port=" + port + ";Database=" + o.pg_db +
             ";Uid=" + o.pg_user + ";Pwd=";
    t.libpq = "host=" + o.pg_host + " port=" + port + " dbname=" + o.pg_db + " user=" + o.pg_user;
  }
  return t;
}

void emit(const Result& r) {
  // %.17g: the parent computes ratios from these, so keep every digit.
  std::printf("RESULT\t%s\t%s\t%s\t%s\t%s\t%.17g\t%s\n", r.backend.c_str(), r.workload.c_str(), r.kase.c_str(),
              r.subject.c_str(), r.metric.c_str(), r.value, r.unit.c_str());
  std::fflush(stdout);
}

bool parse_result(const std::string& line, Result& r) {
  std::vector<std::string> f;
  std::stringstream in(line);
  std::string field;
  while (std::getline(in, field, '\t')) f.push_back(field);
  if (f.size() != 8 || f[0] != "RESULT") return false;
  r = Result{f[1], f[2], f[3], f[4], f[5], std::strtod(f[6].c_str(), nullptr), f[7]};
  return true;
}

double percentile(std::vector<double>& v, double q) {
  if (v.empty()) return NAN;
  std::sort(v.begin(), v.end());
  // Nearest rank: the smallest value with at least q of the samples at or below it.
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(v.size())));
  return v[std::clamp<std::size_t>(rank, 1, v.size()) - 1];
}

std::int64_t status_kb(const char* field) {
  std::ifstream in("/proc/self/status");
  std::string line;
  std::string key = std::string(field) + ":";
  while (std::getline(in, line))
    if (line.rfind(key, 0) == 0) return std::strtoll(line.c_str() + key.size(), nullptr, 10);
  return 0;
}

std::vector<std::int64_t> random_ids(std::size_t n, std::int64_t max, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int64_t> pick(1, max);
  std::vector<std::int64_t> ids(n);
  for (auto& id : ids) id = pick(rng);
  return ids;
}

void note(const std::string& text) { std::cerr << "bench: " << text << std::endl; }

namespace {
double rusage_micros(int who) {
  rusage u{};
  getrusage(who, &u);
  auto us = [](const timeval& t) { return static_cast<double>(t.tv_sec) * 1e6 + static_cast<double>(t.tv_usec); };
  return us(u.ru_utime) + us(u.ru_stime);
}
}  // namespace

double process_cpu_micros() { return rusage_micros(RUSAGE_SELF); }
double children_cpu_micros() { return rusage_micros(RUSAGE_CHILDREN); }

std::string duration_text(double seconds) {
  auto s = static_cast<long>(std::lround(std::max(0.0, seconds)));
  if (s < 60) return fmt::format("{}s", s);
  if (s < 3600) return fmt::format("{}m{:02}s", s / 60, s % 60);
  return fmt::format("{}h{:02}m", s / 3600, s % 3600 / 60);
}

Progress::Progress(std::string what, double total)
    : what_(std::move(what)), total_(total), start_(Clock::now()), last_(start_) {}

void Progress::update(double done) {
  auto now = Clock::now();
  const bool finished = done >= total_;
  if (!finished && now - last_ < std::chrono::seconds(5)) return;
  last_ = now;
  const double elapsed = std::chrono::duration<double>(now - start_).count();
  std::string text = fmt::format("{}: {:.0f}%, {} elapsed", what_, total_ > 0 ? 100 * done / total_ : 100.0,
                                 duration_text(elapsed));
  if (!finished && done > 0) text += ", ETA " + duration_text(elapsed * (total_ - done) / done);
  note(text);
}

}  // namespace bench
