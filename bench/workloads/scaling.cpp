#include "bench/data.hpp"
#include "bench/models.hpp"
#include "bench/peers/raw_odbc.hpp"
#include "bench/workloads/workloads.hpp"

#include <memory>
#include <stdexcept>

namespace bench::workloads {

void scaling(const Options& o, const Target& t) {
  const std::string table = data::scale_table(o.size);
  user_table() = table;  // before BenchUser's schema is first built
  std::int64_t rows = 0, checksum = 0;
  std::string subject;
  std::int64_t before_kb = 0;
  Clock::time_point t0;
  std::unique_ptr<raw::Connection> connection;
  std::unique_ptr<grant::Runtime> runtime;  // outlives the measurement: its shutdown is not timed

  if (o.method == "raw") {
    subject = "raw ODBC row by row";
    connection = std::make_unique<raw::Connection>(t.odbc);
    before_kb = status_kb("VmRSS");
    t0 = Clock::now();
    rows = raw::scan(*connection, table, checksum);
  } else {
    runtime = std::make_unique<grant::Runtime>(runtime_config(t.odbc, 1));
    BenchUser::find(1);  // connection open, schema built: not part of the measurement
    before_kb = status_kb("VmRSS");
    t0 = Clock::now();
    if (o.method == "all") {
      subject = "Grant all()";
      std::vector<BenchUser> users = BenchUser::all();
      for (const auto& u : users) checksum += *u.id;
      rows = static_cast<std::int64_t>(users.size());
    } else if (o.method == "find_each") {
      subject = "Grant find_each(" + std::to_string(o.batch) + ")";
      BenchUser::find_each(static_cast<std::size_t>(o.batch), [&](BenchUser& u) {
        checksum += *u.id;
        ++rows;
      });
    } else {
      throw std::runtime_error("scaling: unknown method " + o.method);
    }
  }
  const double micros = micros_since(t0);
  const std::int64_t peak_kb = status_kb("VmHWM");
  if (rows != o.size || checksum != o.size * (o.size + 1) / 2)
    throw std::runtime_error("scaling: " + subject + " read " + std::to_string(rows) + " rows of " + table);

  const std::string kase = "rows=" + std::to_string(o.size);
  emit({t.backend, "scaling", kase, subject, "per row", micros / static_cast<double>(rows), "us"});
  emit({t.backend, "scaling", kase, subject, "peak RSS", peak_kb / 1024.0, "MB"});
  emit({t.backend, "scaling", kase, subject, "RSS growth", (peak_kb - before_kb) / 1024.0, "MB"});
}

}  // namespace bench::workloads
