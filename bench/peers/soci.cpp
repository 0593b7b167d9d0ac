#include "bench/peers/peers.hpp"
#include "bench/peers/raw_odbc.hpp"

#include <soci/odbc/soci-odbc.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>
#include <soci/sqlite3/soci-sqlite3.h>

#include <ctime>
#include <stdexcept>

namespace bench::peers {
namespace {

// What a SOCI user writes: into() every column of the row, use() the id, prepare once.
struct SociState {
  soci::session session;
  raw::UserRow row;
  long long id = 0, views = 0;
  std::tm created{};
  soci::indicator ind = soci::i_ok;
  std::unique_ptr<soci::statement> statement;

  SociState(const soci::backend_factory& factory, const std::string& connect, const std::string& table)
      : session(factory, connect) {
    statement = std::make_unique<soci::statement>(
        (session.prepare << "SELECT id, name, email, views, score, created_at FROM " + table + " WHERE id = :id",
         soci::into(row.id), soci::into(row.name), soci::into(row.email), soci::into(views), soci::into(row.score),
         soci::into(created, ind), soci::use(id)));
  }

  bool find(std::int64_t key) {
    id = key;
    if (!statement->execute(true)) return false;
    row.views = views;
    // std::tm -> a time point, as the application would; timegm is the UTC inverse of gmtime.
    row.created_at = std::chrono::sys_time<std::chrono::microseconds>(
        std::chrono::seconds(timegm(&created)));
    return true;
  }
};

}  // namespace

Lookup soci_lookup(const std::string& backend, const std::string& connect, const std::string& table) {
  const soci::backend_factory* factory = nullptr;
  if (backend == "odbc") factory = &soci::odbc;
  else if (backend == "postgresql") factory = &soci::postgresql;
  else if (backend == "sqlite3") factory = &soci::sqlite3;
  else throw std::invalid_argument("soci_lookup: unknown backend " + backend);
  auto state = std::make_shared<SociState>(*factory, connect, table);
  return Lookup{"SOCI " + backend, [s = state.get()](std::int64_t id) { return s->find(id); }, state};
}

}  // namespace bench::peers
