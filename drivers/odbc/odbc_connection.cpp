// See odbc_connection.hpp. Transaction control and the statement cache are explained
// where they happen; driver facts are in docs/drivers.md.
#include "drivers/odbc/odbc_connection.hpp"

#include "drivers/odbc/diagnostics.hpp"

#include <grant/errors.hpp>

#include <cctype>
#include <chrono>
#include <optional>

namespace grant::driver::odbc {
namespace {

// Enough for an ORM's working set; raw SQL with varying text (e.g. IN lists of different
// lengths) must not grow the cache without bound.
constexpr std::size_t cache_capacity = 128;

// Statements that change the schema: after one succeeds, every cached statement of this
// connection is dropped, since a driver may hold parameter types or result columns of
// the old schema (PostgreSQL fixes parameter types at prepare time).
bool is_ddl(std::string_view sql) {
  std::size_t i = 0;
  while (i < sql.size() && std::isspace(static_cast<unsigned char>(sql[i]))) ++i;
  std::string word;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])))
    word += static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++])));
  return word == "CREATE" || word == "ALTER" || word == "DROP" || word == "TRUNCATE" || word == "RENAME";
}

// Closes the cursor and unbinds parameters however the statement ends, so that a cached
// handle holds no locks (SQLite) or open portals (PostgreSQL) between jobs.
struct CursorGuard {
  SQLHSTMT handle;
  ~CursorGuard() {
    SQLFreeStmt(handle, SQL_CLOSE);
    SQLFreeStmt(handle, SQL_RESET_PARAMS);
  }
};

}  // namespace

OdbcConnection::OdbcConnection(SQLHDBC dbc, const Dialect& dialect, ConnectOptions options)
    : dbc_(dbc), dialect_(&dialect), options_(std::move(options)) {
  // SQLite3 ODBC keeps only milliseconds of a bound SQL_TIMESTAMP_STRUCT; text keeps µs.
  quirks_.time_as_text = dialect.kind() == DialectKind::sqlite;
  quirks_.date_as_text = dialect.kind() == DialectKind::sqlite;
  quirks_.check_schema_version = dialect.kind() == DialectKind::sqlite;
}

OdbcConnection::~OdbcConnection() {
  if (in_transaction_ && !broken_) {
    try {
      rollback();
    } catch (...) {
      // Closing anyway; the server rolls back an open transaction on disconnect.
    }
  }
  clear_cache();
  if (direct_ != SQL_NULL_HSTMT) SQLFreeHandle(SQL_HANDLE_STMT, direct_);
  if (schema_probe_ != SQL_NULL_HSTMT) SQLFreeHandle(SQL_HANDLE_STMT, schema_probe_);
  SQLDisconnect(dbc_);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
}

std::string OdbcConnection::shown_sql(const Statement& statement) const {
  if (!options_.log_parameters || statement.params.empty()) return statement.sql;
  return statement.sql + " -- params: " + shown_params(statement);
}

std::string OdbcConnection::shown_params(const Statement& statement) const {
  if (!options_.log_parameters || statement.params.empty()) return {};
  std::string out = "[";
  for (std::size_t i = 0; i < statement.params.size(); ++i) {
    if (i) out += ", ";
    const Value& v = statement.params[i];
    if (v.is<std::string>()) {
      out += '\'';
      out += v.to_string();
      out += '\'';
    } else {
      out += v.to_string();
    }
  }
  return out + "]";
}

void OdbcConnection::emit(const std::string& sql, std::int64_t rows, std::chrono::microseconds duration, bool ok,
                          const Statement* statement) {
  if (!options_.on_statement) return;
  StatementEvent event;
  event.shard = options_.shard;
  event.sql = sql;
  if (statement) event.parameters = shown_params(*statement);
  event.rows = rows;
  event.duration = duration;
  event.ok = ok;
  try {
    options_.on_statement(event);
  } catch (...) {
    // A logging hook must not turn a statement that ran into a failure.
  }
}

SQLHSTMT OdbcConnection::new_statement(const std::string& shown) {
  SQLHSTMT h = SQL_NULL_HSTMT;
  SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_STMT, dbc_, &h);
  if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_DBC, dbc_, rc, shown, options_.shard);
  if (options_.query_timeout.count() > 0) {
    // Whole seconds, rounded up: 1 ms must not become "no limit". Drivers that ignore the
    // attribute (SQLite, MariaDB) may answer with a warning; that is not an error.
    auto seconds = static_cast<SQLULEN>((options_.query_timeout.count() + 999) / 1000);
    SQLSetStmtAttr(h, SQL_ATTR_QUERY_TIMEOUT, reinterpret_cast<SQLPOINTER>(seconds), 0);
  }
  return h;
}

void OdbcConnection::evict(const std::string& sql) {
  auto it = cache_.find(sql);
  if (it == cache_.end()) return;
  SQLFreeHandle(SQL_HANDLE_STMT, it->second.handle);
  lru_.erase(it->second.lru);
  cache_.erase(it);
}

// The SQLite3 ODBC driver describes a statement's columns when it is prepared, from the
// connection's copy of the schema, which SQLite refreshes only when a statement steps.
// After another connection changes the schema, both a cached statement and a fresh prepare
// would report the old columns (measured: SELECT * misses a column added elsewhere). So
// before each statement: read PRAGMA schema_version (a cached handle, ~4 µs); when it
// moved, drop the statement cache and step a query over sqlite_master so that SQLite
// reloads the schema before the next prepare.
void OdbcConnection::check_schema_version() {
  static const std::string version_sql = "PRAGMA schema_version";
  static const std::string reload_sql = "SELECT 1 FROM sqlite_master LIMIT 1";
  if (schema_probe_ == SQL_NULL_HSTMT) {
    schema_probe_ = new_statement(version_sql);
    SQLRETURN rc = SQLPrepare(schema_probe_, reinterpret_cast<SQLCHAR*>(const_cast<char*>(version_sql.c_str())),
                              SQL_NTS);
    if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_STMT, schema_probe_, rc, version_sql, options_.shard);
  }
  std::int64_t version = -1;
  {
    CursorGuard guard{schema_probe_};
    SQLBIGINT value = 0;
    SQLLEN indicator = 0;
    SQLRETURN rc = SQLExecute(schema_probe_);
    if (SQL_SUCCEEDED(rc)) rc = SQLFetch(schema_probe_);
    if (SQL_SUCCEEDED(rc)) rc = SQLGetData(schema_probe_, 1, SQL_C_SBIGINT, &value, 0, &indicator);
    if (SQL_SUCCEEDED(rc) && indicator != SQL_NULL_DATA) version = value;
  }
  if (version != -1 && version == schema_version_) return;
  clear_cache();
  if (direct_ == SQL_NULL_HSTMT) direct_ = new_statement(reload_sql);
  CursorGuard guard{direct_};
  SQLExecDirect(direct_, reinterpret_cast<SQLCHAR*>(const_cast<char*>(reload_sql.c_str())), SQL_NTS);
  schema_version_ = version;
}

void OdbcConnection::clear_cache() {
  for (auto& [sql, cached] : cache_) SQLFreeHandle(SQL_HANDLE_STMT, cached.handle);
  cache_.clear();
  lru_.clear();
}

OdbcConnection::Cached& OdbcConnection::prepared(const std::string& sql, const std::string& shown) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  SQLHSTMT h = new_statement(shown);
  SQLRETURN rc = SQLPrepare(h, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
  if (!SQL_SUCCEEDED(rc)) {
    auto records = diagnostics(SQL_HANDLE_STMT, h);
    SQLFreeHandle(SQL_HANDLE_STMT, h);
    throw_database_error(records, shown, options_.shard);
  }
  if (cache_.size() >= cache_capacity) evict(lru_.back());
  lru_.push_front(sql);
  SQLSMALLINT placeholders = -1;
  if (!SQL_SUCCEEDED(SQLNumParams(h, &placeholders))) placeholders = -1;
  return cache_.emplace(sql, Cached{h, lru_.begin(), placeholders, std::nullopt}).first->second;
}

OdbcConnection::Result OdbcConnection::run_once(const Statement& statement, bool fetch, bool allow_retry,
                                                bool& retry) {
  const std::string shown = shown_sql(statement);
  const Where where{shown, options_.shard};
  if (quirks_.check_schema_version) check_schema_version();
  Cached& cached = prepared(statement.sql, shown);
  SQLHSTMT h = cached.handle;
  if (cached.placeholders >= 0 && static_cast<std::size_t>(cached.placeholders) != statement.params.size()) {
    // Every driver fails here in its own words (psqlODBC: "IPD isn't set"); say it plainly.
    // Not a stale statement: the handle stays cached.
    throw DatabaseError("07002", 0,
                        "the statement has " + std::to_string(cached.placeholders) + " placeholder(s) but " +
                            std::to_string(statement.params.size()) + " parameter(s) were given",
                        shown, options_.shard);
  }
  Result result;
  try {
    CursorGuard guard{h};
    ParamBuffers params;
    params.bind(h, statement.params, quirks_, where);
    SQLRETURN rc = SQLExecute(h);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {  // NO_DATA: a searched UPDATE/DELETE hit no row
      auto records = diagnostics(SQL_HANDLE_STMT, h);
      if (allow_retry && is_stale_statement(records)) {
        retry = true;
        throw_database_error(records, shown, options_.shard);  // caught below, then re-prepared
      }
      throw_database_error(records, shown, options_.shard);
    }
    if (fetch) {
      if (!cached.columns) cached.columns = describe_columns(h, quirks_, where);
      const std::vector<Column>& columns = *cached.columns;
      for (const auto& c : columns) result.rows.columns.push_back(c.name);
      if (!columns.empty()) {
        for (;;) {
          rc = SQLFetch(h);
          if (rc == SQL_NO_DATA) break;
          if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_STMT, h, rc, shown, options_.shard);
          std::vector<Value> row;
          row.reserve(columns.size());
          for (std::size_t i = 0; i < columns.size(); ++i)
            row.push_back(read_column(h, static_cast<SQLUSMALLINT>(i + 1), columns[i], buffer_, where));
          result.rows.rows.push_back(std::move(row));
        }
      }
      result.affected = static_cast<std::int64_t>(result.rows.rows.size());
    } else {
      SQLLEN count = -1;
      if (rc == SQL_NO_DATA) count = 0;
      else if (!SQL_SUCCEEDED(SQLRowCount(h, &count))) count = -1;
      result.affected = count;
    }
  } catch (...) {
    // A handle that failed is not trusted again: prepare afresh next time.
    evict(statement.sql);
    if (retry) return result;
    throw;
  }
  if (is_ddl(statement.sql)) clear_cache();
  return result;
}

OdbcConnection::Result OdbcConnection::run(const Statement& statement, bool fetch) {
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  };
  try {
    bool retry = false;
    Result r = run_once(statement, fetch, true, retry);
    if (retry) {
      // A cached plan went stale after DDL (0A000): prepare once more, then give up.
      bool again = false;
      r = run_once(statement, fetch, false, again);
    }
    emit(statement.sql, r.affected, elapsed(), true, &statement);
    return r;
  } catch (const ConnectionLost&) {
    broken_ = true;
    emit(statement.sql, 0, elapsed(), false, &statement);
    throw;
  } catch (...) {
    emit(statement.sql, 0, elapsed(), false, &statement);
    throw;
  }
}

Rows OdbcConnection::query(const Statement& statement) { return run(statement, true).rows; }

std::int64_t OdbcConnection::exec(const Statement& statement) { return run(statement, false).affected; }

std::int64_t OdbcConnection::insert(const Statement& statement, std::string_view key_column) {
  auto first_value = [&](const Rows& rows, const std::string& sql) -> std::int64_t {
    if (rows.empty() || rows.rows[0].empty() || rows.rows[0][0].is_null())
      throw DatabaseError("HY000", 0, "the insert reported no generated key", sql, options_.shard);
    return rows.rows[0][0].as<std::int64_t>();
  };
  if (dialect_->insert_returning()) {
    Statement returning{statement.sql + " RETURNING " + dialect_->quote(key_column), statement.params};
    return first_value(query(returning), returning.sql);
  }
  exec(statement);
  // Same connection, before it goes back to the pool: the id is per connection.
  Statement last{dialect_->last_insert_id_sql(), {}};
  return first_value(query(last), statement.sql);
}

// Transaction control runs as SQL text on one uncached handle, with autocommit left on:
// the database itself tracks the transaction. SQLite needs "BEGIN IMMEDIATE", which no
// ODBC attribute can ask for (SQL_ATTR_AUTOCOMMIT off makes its driver issue a deferred
// BEGIN); PostgreSQL and MariaDB take the same path so that there is one code path and
// savepoints (SQL anyway) mix with it. docs/drivers.md has the measurements.
void OdbcConnection::control(const std::string& sql) {
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  };
  try {
    if (direct_ == SQL_NULL_HSTMT) direct_ = new_statement(sql);
    CursorGuard guard{direct_};
    SQLRETURN rc = SQLExecDirect(direct_, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) throw_from(SQL_HANDLE_STMT, direct_, rc, sql, options_.shard);
    emit(sql, 0, elapsed(), true);
  } catch (const ConnectionLost&) {
    broken_ = true;
    emit(sql, 0, elapsed(), false);
    throw;
  } catch (...) {
    emit(sql, 0, elapsed(), false);
    throw;
  }
}

void OdbcConnection::begin() {
  if (in_transaction_)
    throw Error("begin(): a transaction is already open on this connection of shard '" + options_.shard +
                "'; nest with savepoint()");
  control(dialect_->begin_sql());
  in_transaction_ = true;
}

void OdbcConnection::commit() {
  if (!in_transaction_) throw Error("commit(): no transaction is open on shard '" + options_.shard + "'");
  try {
    control("COMMIT");
  } catch (...) {
    // A failed COMMIT may leave the transaction open (SQLite: busy). End it, so the
    // connection goes back to the pool clean, and report the original error.
    in_transaction_ = false;
    if (!broken_) {
      try {
        control("ROLLBACK");
      } catch (...) {
      }
    }
    throw;
  }
  in_transaction_ = false;
}

void OdbcConnection::rollback() {
  if (!in_transaction_) throw Error("rollback(): no transaction is open on shard '" + options_.shard + "'");
  in_transaction_ = false;  // whatever happens, the transaction is over
  control("ROLLBACK");
}

void OdbcConnection::savepoint(std::string_view name) { control(dialect_->savepoint_sql(name)); }
void OdbcConnection::release(std::string_view name) { control(dialect_->release_sql(name)); }
void OdbcConnection::rollback_to(std::string_view name) { control(dialect_->rollback_to_sql(name)); }

}  // namespace grant::driver::odbc
