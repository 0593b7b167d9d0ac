// The bench's data: generated on the server by one INSERT ... SELECT per table (so a
// million rows take seconds, not minutes), through raw ODBC so that no library under test
// is involved. Each function leaves the table alone when it already holds exactly the
// rows asked for, so repeated runs against one database skip the work.
#pragma once

#include "bench/common.hpp"

#include <cstdint>
#include <string>

namespace bench::data {

/// The user table of workloads 1, 4 and 5: id 1..rows, name, email, views, score, created_at.
void users(const Target& t, const std::string& table, std::int64_t rows);

/// pgbench_accounts on SQLite (aid 1..100000*scale, bid, abalance, filler), the shape
/// `pgbench -i` makes on PostgreSQL, so the same model reads both.
void sqlite_accounts(const Target& t, int scale);

/// Table names.
inline std::string lookup_table() { return "bench_users"; }
inline std::string scale_table(std::int64_t rows) { return "bench_scale_" + std::to_string(rows); }

}  // namespace bench::data
