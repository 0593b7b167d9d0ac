// The backend under test, and its quirks as named flags (one set of cases, every backend).
//
// tools/test runs every suite once per backend and exports:
//   GRANT_TEST_BACKEND        sqlite | postgresql | mariadb   (default: sqlite)
//   GRANT_SHARD_PRIMARY, GRANT_SHARD_SHARD_1, GRANT_SHARD_SHARD_2, GRANT_SHARD_SHARD_3
//                             connection strings of four empty databases
//   GRANT_TEST_QUERY_TIMEOUT_MS  optional: query_timeout of config() (the sanitizer run sets it)
// Run by hand without them, a suite uses SQLite files in a fresh temporary directory.
#pragma once

#include <grant/config.hpp>

#include <string>
#include <vector>

namespace grant::test {

struct Backend {
  std::string name;                   ///< "sqlite", "postgresql", "mariadb"
  std::vector<std::string> shards;    ///< connection strings: primary, shard_1, shard_2, shard_3
  bool exact_decimal = false;         ///< NUMERIC(38,9) round-trips exactly (SQLite stores REAL)
  bool exact_double = false;          ///< doubles keep all 17 digits (the SQLite3 ODBC driver
                                      ///< carries them as 15-digit text both ways)
  bool keeps_negative_zero = false;   ///< -0.0 comes back with its sign (PostgreSQL only)
  std::string syntax_error_sqlstate;  ///< what the driver reports for "SELEC 1" (42601, 42000, HY000)
  bool honours_query_timeout = false; ///< the driver implements SQL_ATTR_QUERY_TIMEOUT
  bool honours_login_timeout = false; ///< connect_timeout also bounds the wait for the server's
                                      ///< greeting (psqlODBC: SQL_ATTR_LOGIN_TIMEOUT; MariaDB:
                                      ///< the CONN_TIMEOUT Grant adds); SQLite has no server
  bool server = false;                ///< a server we can kill connections on / sleep in
  std::string sleep_sql(double seconds) const;   ///< "SELECT pg_sleep(0.2)" etc.; empty if none
};

/// The backend chosen by the environment (see above). Never throws after first success.
const Backend& backend();

/// A config with the four test shards ("primary", "shard_1", "shard_2", "shard_3"),
/// the given pool size and checkout time-out, log level from GRANT_LOG_LEVEL (default warn).
grant::Config config(std::size_t pool_size = 4, std::chrono::milliseconds checkout_timeout = std::chrono::milliseconds{5000});

}  // namespace grant::test
