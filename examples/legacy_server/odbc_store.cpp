#include "examples/legacy_server/odbc_store.hpp"

#include <sql.h>
#include <sqlext.h>

#include <memory>
#include <mutex>
#include <stdexcept>
#include <variant>
#include <vector>

namespace legacy_server {
namespace {

using Param = std::variant<std::int64_t, std::string>;

SQLHENV environment() {
  static SQLHENV env = [] {
    SQLHENV e = SQL_NULL_HENV;
    SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &e);
    SQLSetEnvAttr(e, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
    return e;
  }();
  return env;
}

std::string diagnostic(SQLSMALLINT type, SQLHANDLE handle) {
  SQLCHAR state[6] = {0}, text[512] = {0};
  SQLINTEGER native = 0;
  SQLSMALLINT length = 0;
  SQLGetDiagRec(type, handle, 1, state, &native, text, sizeof text, &length);
  return std::string(reinterpret_cast<char*>(state)) + " " + reinterpret_cast<char*>(text);
}

struct Connection {
  SQLHDBC dbc = SQL_NULL_HDBC;
  bool sqlite = false;
  bool postgresql = false;
  explicit Connection(std::string connection) {
    sqlite = connection.find("SQLite3") != std::string::npos;
    if (sqlite && connection.find("Timeout=") == std::string::npos) connection += ";Timeout=5000";
    SQLAllocHandle(SQL_HANDLE_DBC, environment(), &dbc);
    SQLRETURN rc = SQLDriverConnect(dbc, nullptr, reinterpret_cast<SQLCHAR*>(connection.data()), SQL_NTS, nullptr, 0,
                                    nullptr, SQL_DRIVER_NOPROMPT);
    if (!SQL_SUCCEEDED(rc)) throw std::runtime_error("connect: " + diagnostic(SQL_HANDLE_DBC, dbc));
    SQLCHAR name[64] = {0};
    SQLSMALLINT length = 0;
    SQLGetInfo(dbc, SQL_DBMS_NAME, name, sizeof name, &length);
    postgresql = std::string(reinterpret_cast<char*>(name)) == "PostgreSQL";
  }
  ~Connection() {
    SQLDisconnect(dbc);
    SQLFreeHandle(SQL_HANDLE_DBC, dbc);
  }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  // Runs `sql` with `params`; returns the first column of the first row (if `fetch`) or
  // the affected row count.
  std::optional<std::int64_t> run(const std::string& sql, std::vector<Param> params, bool fetch) {
    SQLHSTMT stmt = SQL_NULL_HSTMT;
    SQLAllocHandle(SQL_HANDLE_STMT, dbc, &stmt);
    std::unique_ptr<void, void (*)(void*)> guard(stmt, [](void* h) { SQLFreeHandle(SQL_HANDLE_STMT, h); });
    std::vector<SQLLEN> lengths(params.size());
    for (std::size_t i = 0; i < params.size(); ++i) {
      SQLUSMALLINT n = static_cast<SQLUSMALLINT>(i + 1);
      if (auto* v = std::get_if<std::int64_t>(&params[i])) {
        lengths[i] = 0;
        SQLBindParameter(stmt, n, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, v, 0, &lengths[i]);
      } else {
        auto& s = std::get<std::string>(params[i]);
        lengths[i] = static_cast<SQLLEN>(s.size());
        SQLBindParameter(stmt, n, SQL_PARAM_INPUT, SQL_C_CHAR, SQL_VARCHAR, s.size() + 1, 0, s.data(),
                         static_cast<SQLLEN>(s.size()), &lengths[i]);
      }
    }
    SQLRETURN rc = SQLExecDirect(stmt, reinterpret_cast<SQLCHAR*>(const_cast<char*>(sql.c_str())), SQL_NTS);
    if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) throw std::runtime_error(sql + ": " + diagnostic(SQL_HANDLE_STMT, stmt));
    if (!fetch) {
      SQLLEN count = 0;
      SQLRowCount(stmt, &count);
      return count;
    }
    if (!SQL_SUCCEEDED(SQLFetch(stmt))) return std::nullopt;
    std::int64_t value = 0;
    SQLLEN indicator = 0;
    SQLGetData(stmt, 1, SQL_C_SBIGINT, &value, 0, &indicator);
    if (indicator == SQL_NULL_DATA) return std::nullopt;
    return value;
  }
};

// This thread's connection to `connection`, opened on first use.
Connection& connection_for(const std::string& connection) {
  thread_local std::map<std::string, std::unique_ptr<Connection>> mine;
  auto& slot = mine[connection];
  if (!slot) slot = std::make_unique<Connection>(connection);
  return *slot;
}

}  // namespace

OdbcStore::OdbcStore(std::map<std::string, std::string> connections) : connections_(std::move(connections)) {}

std::optional<std::int64_t> OdbcStore::stock(const std::string& region, const std::string& sku) const {
  Connection& c = connection_for(connections_.at(region));
  return c.run("SELECT stock FROM products WHERE sku = ?", {sku}, true);
}

OrderOutcome OdbcStore::place_order(const std::string& region, const std::string& customer, const std::string& sku,
                                    std::int64_t quantity) const {
  Connection& c = connection_for(connections_.at(region));
  c.run(c.sqlite ? "BEGIN IMMEDIATE" : "BEGIN", {}, false);
  try {
    OrderOutcome outcome;
    auto taken = c.run("UPDATE products SET stock = stock - ? WHERE sku = ? AND stock >= ?", {quantity, sku, quantity}, false);
    if (taken == 1) {
      std::int64_t price = c.run("SELECT price_cents FROM products WHERE sku = ?", {sku}, true).value_or(0);
      std::int64_t total = price * quantity;
      const std::string insert = "INSERT INTO orders (customer, sku, quantity, total_cents) VALUES (?, ?, ?, ?)";
      std::optional<std::int64_t> id;
      if (c.postgresql) {
        id = c.run(insert + " RETURNING id", {customer, sku, quantity, total}, true);
      } else {
        c.run(insert, {customer, sku, quantity, total}, false);
        id = c.run(c.sqlite ? "SELECT last_insert_rowid()" : "SELECT LAST_INSERT_ID()", {}, true);
      }
      outcome = {true, id.value_or(0), total};
    }
    c.run(outcome.placed ? "COMMIT" : "ROLLBACK", {}, false);
    return outcome;
  } catch (...) {
    try {
      c.run("ROLLBACK", {}, false);
    } catch (...) {
    }
    throw;
  }
}

Report OdbcStore::report() const {
  Report r;
  for (const auto& [region, connection] : connections_) {
    Connection& c = connection_for(connection);
    r.orders += c.run("SELECT COUNT(*) FROM orders", {}, true).value_or(0);
    r.units += c.run("SELECT SUM(quantity) FROM orders", {}, true).value_or(0);
    r.revenue_cents += c.run("SELECT SUM(total_cents) FROM orders", {}, true).value_or(0);
    r.stock += c.run("SELECT SUM(stock) FROM products", {}, true).value_or(0);
  }
  return r;
}

}  // namespace legacy_server
