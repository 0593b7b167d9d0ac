// Diagnostics -> exceptions. The classification table (measured on Debian 12's drivers;
// docs/drivers.md has the evidence). Native codes mean different things per driver, so
// they are read only for the driver whose message prefix the record carries ("[SQLite]",
// "[ma-3.1.15]"; psqlODBC has none and its native codes are not server codes).
//
//   ConnectionLost   SQLSTATE class 08; 57P01..57P03 (server shutting down / restarting);
//                    psqlODBC: HY000 whose message says the socket is dead (its first
//                    error after pg_terminate_backend: "server closed the connection
//                    unexpectedly"; then 08S01);
//                    MariaDB: 2002/2003 (cannot connect, reported as HY000), 2005 (unknown
//                    host), 2006 (gone away), 2013 (lost during query, 08S01), 2055
//   UniqueViolation  23505 (PostgreSQL); MariaDB 1062 (23000; NOT NULL is 23000/1048);
//                    SQLite: HY000 with native 19 (SQLITE_CONSTRAINT, which also covers
//                    NOT NULL, CHECK and foreign keys) and "UNIQUE constraint failed"
//   Deadlock         40001, 40P01; MariaDB 1213
//   QueryTimeout     57014, HYT00, HYT01; MariaDB 1969 (max_statement_time)
//   DatabaseError    everything else (syntax: 42601 PostgreSQL, 42000/1064 MariaDB,
//                    HY000/1 SQLite)
#include "drivers/odbc/diagnostics.hpp"

#include <grant/errors.hpp>

#include <algorithm>
#include <cctype>

namespace grant::driver::odbc {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool contains(const std::string& haystack, const char* needle) { return haystack.find(needle) != std::string::npos; }

// Messages that mean the socket under the handle is gone although the driver reports a
// generic HY000 (psqlODBC does this for calls after the server closed the connection).
bool means_dead_socket(const std::string& message) {
  std::string m = lower(message);
  return contains(m, "connection dead") || contains(m, "server closed the connection") ||
         contains(m, "could not send data to server") || contains(m, "no connection to the server") ||
         contains(m, "connection to the server was lost") || contains(m, "lost connection") ||
         contains(m, "server has gone away") || contains(m, "communication link failure") ||
         contains(m, "terminating connection");
}

enum class Vendor { sqlite, mariadb, other };

Vendor vendor_of(const DiagRecord& r) {
  if (r.message.rfind("[SQLite]", 0) == 0) return Vendor::sqlite;
  if (r.message.rfind("[ma-", 0) == 0) return Vendor::mariadb;
  return Vendor::other;
}

bool is_unique(const DiagRecord& r) {
  if (r.sqlstate == "23505") return true;
  switch (vendor_of(r)) {
    case Vendor::mariadb:
      return r.native == 1062;  // ER_DUP_ENTRY
    case Vendor::sqlite: {
      // SQLITE_CONSTRAINT (19) covers NOT NULL, CHECK and foreign keys too; only the
      // extended codes (if a build reports them) or the message single out UNIQUE / PK.
      if (r.native == 2067 || r.native == 1555) return true;
      std::string m = lower(r.message);
      return r.native == 19 && (contains(m, "unique constraint failed") || contains(m, "is not unique"));
    }
    case Vendor::other:
      return false;
  }
  return false;
}

bool is_lost(const DiagRecord& r) {
  const std::string& s = r.sqlstate;
  if (s.rfind("08", 0) == 0 || s == "57P01" || s == "57P02" || s == "57P03") return true;
  if (vendor_of(r) == Vendor::mariadb)
    return r.native == 2002 || r.native == 2003 || r.native == 2005 || r.native == 2006 || r.native == 2013 ||
           r.native == 2055;
  return (s == "HY000" || s == "S1000") && vendor_of(r) == Vendor::other && means_dead_socket(r.message);
}

// The record that decides the class: the first that is not a warning (01xxx).
const DiagRecord* deciding(const std::vector<DiagRecord>& records) {
  for (const auto& r : records)
    if (r.sqlstate.rfind("01", 0) != 0) return &r;
  return records.empty() ? nullptr : &records.front();
}

}  // namespace

std::vector<DiagRecord> diagnostics(SQLSMALLINT handle_type, SQLHANDLE handle) {
  std::vector<DiagRecord> out;
  if (handle == SQL_NULL_HANDLE) return out;
  for (SQLSMALLINT i = 1;; ++i) {
    SQLCHAR state[6] = {0};
    SQLINTEGER native = 0;
    std::vector<SQLCHAR> text(1024);
    SQLSMALLINT len = 0;
    SQLRETURN rc = SQLGetDiagRec(handle_type, handle, i, state, &native, text.data(),
                                 static_cast<SQLSMALLINT>(text.size()), &len);
    if (rc == SQL_SUCCESS_WITH_INFO && len >= static_cast<SQLSMALLINT>(text.size())) {
      text.resize(static_cast<std::size_t>(len) + 1);
      rc = SQLGetDiagRec(handle_type, handle, i, state, &native, text.data(), static_cast<SQLSMALLINT>(text.size()),
                         &len);
    }
    if (!SQL_SUCCEEDED(rc)) break;
    DiagRecord r;
    r.sqlstate.assign(reinterpret_cast<char*>(state), 5);
    r.native = native;
    r.message.assign(reinterpret_cast<char*>(text.data()),
                     std::min<std::size_t>(static_cast<std::size_t>(std::max<SQLSMALLINT>(len, 0)), text.size() - 1));
    while (!r.message.empty() && (r.message.back() == '\n' || r.message.back() == '\r')) r.message.pop_back();
    out.push_back(std::move(r));
    if (i > 50) break;  // a driver that never stops would otherwise loop forever
  }
  return out;
}

bool has_state(const std::vector<DiagRecord>& records, const char* sqlstate) {
  return std::any_of(records.begin(), records.end(), [&](const DiagRecord& r) { return r.sqlstate == sqlstate; });
}

bool is_stale_statement(const std::vector<DiagRecord>& records) {
  // 42804 (datatype mismatch): PostgreSQL fixes a parameter's type when the statement is
  // prepared; after a table is re-created with another column type, the old statement
  // fails so. A genuine mismatch fails again on the fresh prepare and is reported then.
  // MariaDB: 1615 (server: "needs to be re-prepared"), 2057 (Connector/ODBC: the result
  // has another number of columns than when the statement was prepared).
  return std::any_of(records.begin(), records.end(), [](const DiagRecord& r) {
    if (vendor_of(r) == Vendor::mariadb) return r.native == 1615 || r.native == 2057;
    return vendor_of(r) == Vendor::other && (r.sqlstate == "0A000" || r.sqlstate == "42804");
  });
}

void throw_database_error(const std::vector<DiagRecord>& records, const std::string& sql, const std::string& shard) {
  const DiagRecord* d = deciding(records);
  if (!d) throw DatabaseError("HY000", 0, "the driver failed without a diagnostic record", sql, shard);
  // Every record, so that nothing the driver said is lost ("[state] message; [state] ...").
  std::string message = d->message;
  for (const auto& r : records)
    if (&r != d) message += "; [" + r.sqlstate + "] " + r.message;

  const std::string& s = d->sqlstate;
  const bool maria = vendor_of(*d) == Vendor::mariadb;
  if (is_lost(*d)) throw ConnectionLost(s, d->native, message, sql, shard);
  if (is_unique(*d)) throw UniqueViolation(s, d->native, message, sql, shard);
  if (s == "40001" || s == "40P01" || (maria && d->native == 1213)) throw Deadlock(s, d->native, message, sql, shard);
  if (s == "57014" || s == "HYT00" || s == "HYT01" || (maria && d->native == 1969))
    throw QueryTimeout(s, d->native, message, sql, shard);
  throw DatabaseError(s, d->native, message, sql, shard);
}

void throw_from(SQLSMALLINT handle_type, SQLHANDLE handle, SQLRETURN rc, const std::string& sql,
                const std::string& shard) {
  auto records = diagnostics(handle_type, handle);
  if (records.empty() && rc == SQL_INVALID_HANDLE)
    throw DatabaseError("HY000", 0, "invalid ODBC handle", sql, shard);
  throw_database_error(records, sql, shard);
}

}  // namespace grant::driver::odbc
