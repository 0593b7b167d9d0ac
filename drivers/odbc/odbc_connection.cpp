// See odbc_connection.hpp. Transaction control and the statement cache are explained
// where they happen; driver facts are in docs/drivers.md.
#include "drivers/odbc/odbc_connection.hpp"

#include "drivers/odbc/diagnostics.hpp"

#include <grant/errors.hpp>

#include <boost/algorithm/string/predicate.hpp>

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
  std::size_t start = i;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i]))) ++i;
  const std::string_view word = sql.substr(start, i - start);
  for (std::string_view ddl : {"CREATE", "ALTER", "DROP", "TRUNCATE", "RENAME"})
    if (boost::algorithm::iequals(word, ddl)) return true;
  return false;
}

// Closes the cursor and unbinds parameters however the statement ends, so that a cached
// handle holds no locks (SQLite) or open portals (PostgreSQL) between jobs.
// Not on a quarantined connection: SQLCancel may still be running on the handle.
struct CursorGuard {
  SQLHSTMT handle;
  const bool* quarantined = nullptr;
  ~CursorGuard() {
    if (quarantined && *quarantined) return;
    SQLFreeStmt(handle, SQL_CLOSE);
    SQLFreeStmt(handle, SQL_RESET_PARAMS);
  }
};

// Arms the connection's watch for one driver call sequence; disarm() says whether the
// deadline passed meanwhile.
class Deadline {
 public:
  Deadline(Watch& watch, SQLHSTMT h, std::chrono::milliseconds limit) : watch_(watch), armed_(limit.count() > 0) {
    if (armed_) watch_.arm(h, std::chrono::steady_clock::now() + limit);
  }
  ~Deadline() { disarm(); }
  Watch::Outcome disarm() {
    if (!armed_) return outcome_;
    armed_ = false;
    return outcome_ = watch_.disarm();
  }

 private:
  Watch& watch_;
  bool armed_;
  Watch::Outcome outcome_ = Watch::Outcome::in_time;
};

}  // namespace

OdbcConnection::OdbcConnection(SQLHDBC dbc, const Dialect& dialect, ConnectOptions options)
    : dbc_(dbc), dialect_(&dialect), options_(std::move(options)), watch_(Watch::make(-1, options_.cancel_grace)) {
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
  // A SQLCancel that the watchdog started may still be inside the driver: the handles are
  // freed when it returns (Watch::retire).
  std::vector<SQLHSTMT> statements;
  for (auto& [sql, cached] : cache_) statements.push_back(cached.handle);
  if (direct_ != SQL_NULL_HSTMT) statements.push_back(direct_);
  if (schema_probe_ != SQL_NULL_HSTMT) statements.push_back(schema_probe_);
  watch_->retire([dbc = dbc_, statements = std::move(statements)] {
    for (SQLHSTMT h : statements) SQLFreeHandle(SQL_HANDLE_STMT, h);
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  });
}

std::chrono::milliseconds OdbcConnection::limit_for(const Statement& statement) const {
  if (statement.timeout) return *statement.timeout;
  if (timeout_override_) return *timeout_override_;
  return options_.query_timeout;
}

void OdbcConnection::refuse_if_quarantined(const std::string& shown) const {
  if (quarantined_)
    throw ConnectionLost("08003", 0,
                         "this connection was closed after a statement passed its deadline; the pool replaces it",
                         shown, options_.shard);
}

void OdbcConnection::throw_timeout(const std::string& shown, std::chrono::milliseconds limit,
                                   Watch::Outcome outcome, const std::string& driver_said) const {
  std::string message = "statement deadline of " + std::to_string(limit.count()) + " ms passed: cancelled";
  if (outcome == Watch::Outcome::unblocked)
    message += ", then the connection's socket shut down since the driver did not return";
  if (quarantined_) message += "; the connection is closed and replaced";
  if (!driver_said.empty()) message += " (driver: " + driver_said + ")";
  throw QueryTimeout("HYT00", 0, message, shown, options_.shard);
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
  if (!options_.on_statement || unhooked_) return;
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
  // No SQL_ATTR_QUERY_TIMEOUT: two drivers ignore it and it has whole seconds only; the
  // watchdog holds every deadline (watchdog.hpp).
  if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_DBC, dbc_, rc, shown, options_.shard);
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

OdbcConnection::Cached& OdbcConnection::prepared(const std::string& sql, const std::string& shown,
                                                 std::chrono::milliseconds limit) {
  if (auto it = cache_.find(sql); it != cache_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second.lru);
    return it->second;
  }
  SQLHSTMT h = new_statement(shown);
  SQLRETURN rc;
  Watch::Outcome outcome;
  {
    // MariaDB prepares on the server: a round trip that can hang like any other.
    Deadline deadline(*watch_, h, limit);
    rc = SQLPrepare(h, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
    outcome = deadline.disarm();
  }
  if (outcome != Watch::Outcome::in_time) {
    quarantine();
    if (cache_.size() >= cache_capacity) evict(lru_.back());
    lru_.push_front(sql);
    cache_.emplace(sql, Cached{h, lru_.begin(), -1, std::nullopt});  // freed with the connection
    throw_timeout(shown, limit, outcome, "");
  }
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

OdbcConnection::Result OdbcConnection::run_once(const Statement& statement, RowSink* sink, bool allow_retry,
                                                bool& retry) {
  const std::string shown = shown_sql(statement);
  const Where where{shown, options_.shard};
  const std::chrono::milliseconds limit = limit_for(statement);
  if (quirks_.check_schema_version) check_schema_version();
  Cached& cached = prepared(statement.sql, shown, limit);
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
  std::exception_ptr failure;
  std::string driver_said;
  Watch::Outcome outcome;
  {
    CursorGuard guard{h, &quarantined_};  // closes the cursor before any evict() below
    ParamBuffers params;
    Deadline deadline(*watch_, h, limit);
    try {
      params.bind(h, statement.params, quirks_, where);
      SQLRETURN rc = SQLExecute(h);
      if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {  // NO_DATA: a searched UPDATE/DELETE hit no row
        auto records = diagnostics(SQL_HANDLE_STMT, h);
        if (allow_retry && is_stale_statement(records)) retry = true;  // re-prepared by run()
        throw_database_error(records, shown, options_.shard);
      }
      if (sink) {
        if (!cached.columns) {
          cached.columns = describe_columns(h, quirks_, where);
          cached.names.clear();
          for (const auto& c : *cached.columns) cached.names.push_back(c.name);
        }
        const std::vector<Column>& columns = *cached.columns;
        sink->columns(cached.names);
        std::int64_t count = 0;
        if (!columns.empty()) {
          std::vector<Value> row;
          for (;;) {
            rc = SQLFetch(h);
            if (rc == SQL_NO_DATA) break;
            if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_STMT, h, rc, shown, options_.shard);
            row.clear();
            row.reserve(columns.size());
            for (std::size_t i = 0; i < columns.size(); ++i)
              row.push_back(read_column(h, static_cast<SQLUSMALLINT>(i + 1), columns[i], buffer_, where));
            sink->row(row);
            ++count;
          }
        }
        result.affected = count;
      } else {
        SQLLEN count = -1;
        if (rc == SQL_NO_DATA) count = 0;
        else if (!SQL_SUCCEEDED(SQLRowCount(h, &count))) count = -1;
        result.affected = count;
      }
    } catch (const DatabaseError& e) {
      failure = std::current_exception();
      driver_said = e.driver_message();
    } catch (...) {
      failure = std::current_exception();
    }
    outcome = deadline.disarm();
    if (outcome != Watch::Outcome::in_time && !(outcome == Watch::Outcome::cancelled && failure)) quarantine();
  }
  if (outcome == Watch::Outcome::cancelled && failure) {
    // The cancel ended the statement and SQLCancel has returned: the connection is fine.
    evict(statement.sql);
    throw_timeout(shown, limit, outcome, driver_said);
  }
  if (outcome != Watch::Outcome::in_time) {
    // The handle stays as it is (SQLCancel may still be using it, or a late cancel may hit
    // the next statement) and so does the cache: the connection is done. A statement that
    // finished anyway keeps its result.
    quarantine();
    if (failure) throw_timeout(shown, limit, outcome, driver_said);
    return result;
  }
  if (failure) {
    // A handle that failed is not trusted again: prepare afresh next time.
    evict(statement.sql);
    if (retry) return result;
    std::rethrow_exception(failure);
  }
  if (is_ddl(statement.sql)) clear_cache();
  return result;
}

OdbcConnection::Result OdbcConnection::run(const Statement& statement, RowSink* sink) {
  auto start = std::chrono::steady_clock::now();
  auto elapsed = [&] {
    return std::chrono::duration_cast<std::chrono::microseconds>(std::chrono::steady_clock::now() - start);
  };
  try {
    refuse_if_quarantined(statement.sql);
    bool retry = false;
    Result r = run_once(statement, sink, true, retry);
    if (retry) {
      // A cached plan went stale after DDL (0A000): prepare once more, then give up.
      bool again = false;
      r = run_once(statement, sink, false, again);
    }
    emit(statement.sql, r.affected, elapsed(), true, &statement);
    return r;
  } catch (const ConnectionLost&) {
    broken_ = true;
    emit(statement.sql, 0, elapsed(), false, &statement);
    throw;
  } catch (const QueryTimeout&) {
    broken_ = broken_ || quarantined_;
    emit(statement.sql, 0, elapsed(), false, &statement);
    throw;
  } catch (...) {
    emit(statement.sql, 0, elapsed(), false, &statement);
    throw;
  }
}

namespace {

struct CollectRows final : RowSink {
  Rows rows;
  void columns(const std::vector<std::string>& names) override { rows.columns = names; }
  void row(std::vector<Value>& values) override { rows.rows.push_back(std::move(values)); }
};

}  // namespace

Rows OdbcConnection::query(const Statement& statement) {
  CollectRows collect;
  run(statement, &collect);
  return std::move(collect.rows);
}

Rows OdbcConnection::query_unhooked(const Statement& statement) {
  unhooked_ = true;
  try {
    Rows rows = query(statement);
    unhooked_ = false;
    return rows;
  } catch (...) {
    unhooked_ = false;
    throw;
  }
}

std::int64_t OdbcConnection::query_each(const Statement& statement, RowSink& sink) {
  return run(statement, &sink).affected;
}

std::int64_t OdbcConnection::exec(const Statement& statement) { return run(statement, nullptr).affected; }

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
    refuse_if_quarantined(sql);
    if (direct_ == SQL_NULL_HSTMT) direct_ = new_statement(sql);
    const std::chrono::milliseconds limit = timeout_override_.value_or(options_.query_timeout);
    CursorGuard guard{direct_, &quarantined_};
    Deadline deadline(*watch_, direct_, limit);
    SQLRETURN rc = SQLExecDirect(direct_, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
    if (const Watch::Outcome outcome = deadline.disarm(); outcome != Watch::Outcome::in_time) {
      const bool failed = !SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA;
      if (outcome != Watch::Outcome::cancelled || !failed) quarantine();
      if (failed) throw_timeout(sql, limit, outcome, "");
    }
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) throw_from(SQL_HANDLE_STMT, direct_, rc, sql, options_.shard);
    emit(sql, 0, elapsed(), true);
  } catch (const ConnectionLost&) {
    broken_ = true;
    emit(sql, 0, elapsed(), false);
    throw;
  } catch (const QueryTimeout&) {
    broken_ = broken_ || quarantined_;
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
