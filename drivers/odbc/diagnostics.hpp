// Diagnostics: every SQLGetDiagRec record of a failed call, turned into the exception
// class of include/grant/errors.hpp that its SQLSTATE and native code call for.
#pragma once

#include <sql.h>
#include <sqlext.h>

#include <cstdint>
#include <string>
#include <vector>

namespace grant::driver::odbc {

struct DiagRecord {
  std::string sqlstate;   ///< five characters, e.g. "23505"
  std::int64_t native = 0;
  std::string message;
};

/// All diagnostic records of `handle` (empty if there are none).
std::vector<DiagRecord> diagnostics(SQLSMALLINT handle_type, SQLHANDLE handle);

/// True if any record has this SQLSTATE (e.g. "01004", string data right-truncated).
bool has_state(const std::vector<DiagRecord>& records, const char* sqlstate);

/// True if the records say that a cached prepared statement may have gone stale (0A000
/// or 42804 on PostgreSQL after DDL, MariaDB 1615 "needs to be re-prepared").
bool is_stale_statement(const std::vector<DiagRecord>& records);

/// Throws the exception for `records`: ConnectionLost, UniqueViolation, Deadlock,
/// QueryTimeout or DatabaseError (table in diagnostics.cpp). `sql` is what the message shows.
[[noreturn]] void throw_database_error(const std::vector<DiagRecord>& records, const std::string& sql,
                                       const std::string& shard);

/// diagnostics() + throw_database_error() for a call that returned `rc`.
[[noreturn]] void throw_from(SQLSMALLINT handle_type, SQLHANDLE handle, SQLRETURN rc, const std::string& sql,
                             const std::string& shard);

}  // namespace grant::driver::odbc
