// The libraries a user would pick instead of Grant, each as a lookup function on the bench's
// user table: SOCI (Debian's libsoci-dev; ODBC, PostgreSQL and SQLite3 backends) and libpqxx.
// Each keeps one connection and one prepared statement; find() returns false when the id
// has no row. Not thread-safe: one thread at a time.
#pragma once

#include "bench/common.hpp"

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

namespace bench::peers {

/// A named lookup function with its own connection.
struct Lookup {
  std::string name;
  std::function<bool(std::int64_t)> find;
  std::shared_ptr<void> state;  ///< keeps the connection and statement alive
};

/// SOCI through `backend`: "odbc" (the ODBC string), "postgresql" (libpq conninfo) or
/// "sqlite3" (the database file).
Lookup soci_lookup(const std::string& backend, const std::string& connect, const std::string& table);

/// libpqxx: a prepared statement run in a nontransaction (autocommit, one round trip).
Lookup pqxx_lookup(const std::string& conninfo, const std::string& table);

/// pgbench: initialises pgbench_* at `scale` unless pgbench_branches already has that many
/// rows, and runs `pgbench -S -M prepared -c clients -j threads -T seconds`; returns tps.
void pgbench_init(const Options& o, int scale);
double pgbench_select(const Options& o, int clients, int threads, int seconds);

}  // namespace bench::peers
