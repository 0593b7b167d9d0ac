#include "bench/data.hpp"

#include "bench/peers/raw_odbc.hpp"

namespace bench::data {
namespace {

std::int64_t count_or(raw::Connection& c, const std::string& table, std::int64_t otherwise) {
  try {
    return c.scalar("SELECT COUNT(*) FROM " + table);
  } catch (const std::exception&) {
    return otherwise;  // no such table yet
  }
}

}  // namespace

void users(const Target& t, const std::string& table, std::int64_t rows) {
  raw::Connection c(t.odbc);
  if (!t.pg()) c.exec("PRAGMA journal_mode=WAL");  // what Grant's connections use; persists in the file
  if (count_or(c, table, -1) == rows) return;
  note("creating " + table + " with " + std::to_string(rows) + " rows on " + t.backend);
  const std::string n = std::to_string(rows);
  c.exec("DROP TABLE IF EXISTS " + table);
  if (t.pg()) {
    c.exec("CREATE TABLE " + table +
           " (id BIGINT NOT NULL, name TEXT NOT NULL, email TEXT NOT NULL, views BIGINT NOT NULL,"
           " score DOUBLE PRECISION NOT NULL, created_at TIMESTAMP NOT NULL)");
    c.exec("INSERT INTO " + table +
           " SELECT g, 'user ' || g, 'user' || g || '@example.com', g % 1000, g * 0.25,"
           " TIMESTAMP '2024-01-01 00:00:00' + g * INTERVAL '1 second' FROM generate_series(1, " + n + ") g");
    c.exec("ALTER TABLE " + table + " ADD PRIMARY KEY (id)");
    c.exec("VACUUM ANALYZE " + table);
  } else {
    c.exec("CREATE TABLE " + table +
           " (id INTEGER NOT NULL PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, views INTEGER NOT NULL,"
           " score REAL NOT NULL, created_at TIMESTAMP NOT NULL)");
    c.exec("INSERT INTO " + table +
           " WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < " + n + ")"
           " SELECT g, 'user ' || g, 'user' || g || '@example.com', g % 1000, g * 0.25,"
           " strftime('%Y-%m-%d %H:%M:%S', 1704067200 + g, 'unixepoch') || '.000000' FROM s");
  }
}

void sqlite_accounts(const Target& t, int scale) {
  raw::Connection c(t.odbc);
  c.exec("PRAGMA journal_mode=WAL");
  const std::int64_t rows = 100000LL * scale;
  if (count_or(c, "pgbench_accounts", -1) == rows) return;
  note("creating pgbench_accounts with " + std::to_string(rows) + " rows on sqlite");
  c.exec("DROP TABLE IF EXISTS pgbench_accounts");
  c.exec("CREATE TABLE pgbench_accounts (aid INTEGER NOT NULL PRIMARY KEY, bid INTEGER NOT NULL,"
         " abalance INTEGER NOT NULL, filler CHAR(84))");
  c.exec("INSERT INTO pgbench_accounts WITH RECURSIVE s(g) AS (SELECT 1 UNION ALL SELECT g + 1 FROM s WHERE g < " +
         std::to_string(rows) + ") SELECT g, (g - 1) / 100000 + 1, 0, '' FROM s");
}

}  // namespace bench::data
