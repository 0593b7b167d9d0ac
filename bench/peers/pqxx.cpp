#include "bench/peers/peers.hpp"
#include "bench/peers/raw_odbc.hpp"

#include <pqxx/pqxx>

#include <cstdio>

namespace bench::peers {
namespace {

struct PqxxState {
  pqxx::connection connection;
  pqxx::nontransaction tx;
  raw::UserRow row;

  PqxxState(const std::string& conninfo, const std::string& table) : connection(conninfo), tx(connection) {
    connection.prepare("find", "SELECT id, name, email, views, score, created_at FROM " + table + " WHERE id = $1");
  }

  bool find(std::int64_t id) {
    pqxx::result r = tx.exec_prepared("find", id);
    if (r.empty()) return false;
    const pqxx::row& f = r[0];
    row.id = f[0].as<std::int64_t>();
    row.name = f[1].as<std::string>();
    row.email = f[2].as<std::string>();
    row.views = f[3].as<std::int64_t>();
    row.score = f[4].as<double>();
    // Text protocol: the timestamp arrives as "YYYY-MM-DD HH:MM:SS[.ffffff]"; parse it as
    // the application would have to.
    int y, mo, d, h, mi;
    double s;
    if (std::sscanf(f[5].c_str(), "%d-%d-%d %d:%d:%lf", &y, &mo, &d, &h, &mi, &s) == 6) {
      using namespace std::chrono;
      auto day = sys_days(year(y) / mo / d);
      row.created_at = time_point_cast<microseconds>(day) + hours(h) + minutes(mi) +
                       microseconds(static_cast<std::int64_t>(s * 1e6 + 0.5));
    }
    return true;
  }
};

}  // namespace

Lookup pqxx_lookup(const std::string& conninfo, const std::string& table) {
  auto state = std::make_shared<PqxxState>(conninfo, table);
  return Lookup{"libpqxx", [s = state.get()](std::int64_t id) { return s->find(id); }, state};
}

}  // namespace bench::peers
