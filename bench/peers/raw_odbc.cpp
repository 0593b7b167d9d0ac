#include "bench/peers/raw_odbc.hpp"

#include <sql.h>
#include <sqlext.h>

#include <cstring>
#include <mutex>
#include <stdexcept>

namespace bench::raw {
namespace {

SQLHENV environment() {
  static SQLHENV env = [] {
    SQLHENV e = SQL_NULL_HENV;
    if (!SQL_SUCCEEDED(SQLAllocHandle(SQL_HANDLE_ENV, SQL_NULL_HANDLE, &e)))
      throw std::runtime_error("raw ODBC: SQLAllocHandle(ENV) failed");
    SQLSetEnvAttr(e, SQL_ATTR_ODBC_VERSION, reinterpret_cast<SQLPOINTER>(SQL_OV_ODBC3), 0);
    return e;
  }();
  return env;
}

[[noreturn]] void fail(SQLSMALLINT type, SQLHANDLE h, const std::string& what) {
  std::string msg = "raw ODBC: " + what;
  SQLCHAR state[6], text[1024];
  SQLINTEGER native;
  SQLSMALLINT len;
  for (SQLSMALLINT i = 1; SQLGetDiagRec(type, h, i, state, &native, text, sizeof text, &len) == SQL_SUCCESS; ++i)
    msg += std::string(" [") + reinterpret_cast<char*>(state) + "] " + reinterpret_cast<char*>(text);
  throw std::runtime_error(msg);
}

void check(SQLRETURN rc, SQLSMALLINT type, SQLHANDLE h, const std::string& what) {
  if (!SQL_SUCCEEDED(rc)) fail(type, h, what);
}

SQLHSTMT new_statement(Connection& c) {
  SQLHSTMT s = SQL_NULL_HSTMT;
  check(SQLAllocHandle(SQL_HANDLE_STMT, c.handle(), &s), SQL_HANDLE_DBC, c.handle(), "SQLAllocHandle(STMT)");
  return s;
}

void prepare(SQLHSTMT s, const std::string& sql) {
  check(SQLPrepare(s, (SQLCHAR*)sql.c_str(), SQL_NTS), SQL_HANDLE_STMT, s, "prepare " + sql);
}

// Days from 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

// Bound output buffers for one bench row: the driver writes into them at SQLFetch.
struct RowBuffers {
  SQLBIGINT id = 0, views = 0;
  SQLCHAR name[256], email[256];
  SQLDOUBLE score = 0;
  SQL_TIMESTAMP_STRUCT created{};
  SQLLEN id_ind = 0, name_ind = 0, email_ind = 0, views_ind = 0, score_ind = 0, created_ind = 0;

  void bind(SQLHSTMT s) {
    check(SQLBindCol(s, 1, SQL_C_SBIGINT, &id, 0, &id_ind), SQL_HANDLE_STMT, s, "bind id");
    check(SQLBindCol(s, 2, SQL_C_CHAR, name, sizeof name, &name_ind), SQL_HANDLE_STMT, s, "bind name");
    check(SQLBindCol(s, 3, SQL_C_CHAR, email, sizeof email, &email_ind), SQL_HANDLE_STMT, s, "bind email");
    check(SQLBindCol(s, 4, SQL_C_SBIGINT, &views, 0, &views_ind), SQL_HANDLE_STMT, s, "bind views");
    check(SQLBindCol(s, 5, SQL_C_DOUBLE, &score, 0, &score_ind), SQL_HANDLE_STMT, s, "bind score");
    check(SQLBindCol(s, 6, SQL_C_TYPE_TIMESTAMP, &created, sizeof created, &created_ind), SQL_HANDLE_STMT, s,
          "bind created_at");
  }
  void copy_to(UserRow& out) const {
    out.id = id;
    out.name.assign(reinterpret_cast<const char*>(name), name_ind > 0 ? static_cast<std::size_t>(name_ind) : 0);
    out.email.assign(reinterpret_cast<const char*>(email), email_ind > 0 ? static_cast<std::size_t>(email_ind) : 0);
    out.views = views;
    out.score = score;
    using namespace std::chrono;
    std::int64_t secs = days_from_civil(created.year, created.month, created.day) * 86400 + created.hour * 3600 +
                        created.minute * 60 + created.second;
    out.created_at = sys_time<microseconds>(microseconds(secs * 1000000 + created.fraction / 1000));
  }
};

constexpr const char* row_columns = "id, name, email, views, score, created_at";

}  // namespace

Connection::Connection(const std::string& connection_string) {
  SQLHDBC dbc = SQL_NULL_HDBC;
  check(SQLAllocHandle(SQL_HANDLE_DBC, environment(), &dbc), SQL_HANDLE_ENV, environment(), "SQLAllocHandle(DBC)");
  SQLCHAR out[1024];
  SQLSMALLINT out_len;
  SQLRETURN rc = SQLDriverConnect(dbc, nullptr, (SQLCHAR*)connection_string.c_str(), SQL_NTS, out, sizeof out, &out_len,
                                  SQL_DRIVER_NOPROMPT);
  if (!SQL_SUCCEEDED(rc)) {
    try {
      fail(SQL_HANDLE_DBC, dbc, "connect " + connection_string);
    } catch (...) {
      SQLFreeHandle(SQL_HANDLE_DBC, dbc);
      throw;
    }
  }
  dbc_ = dbc;
}

Connection::~Connection() {
  SQLDisconnect(dbc_);
  SQLFreeHandle(SQL_HANDLE_DBC, dbc_);
}

void Connection::exec(const std::string& sql) {
  SQLHSTMT s = new_statement(*this);
  SQLRETURN rc = SQLExecDirect(s, (SQLCHAR*)sql.c_str(), SQL_NTS);
  if (!SQL_SUCCEEDED(rc) && rc != SQL_NO_DATA) {
    try {
      fail(SQL_HANDLE_STMT, s, sql);
    } catch (...) {
      SQLFreeHandle(SQL_HANDLE_STMT, s);
      throw;
    }
  }
  SQLFreeHandle(SQL_HANDLE_STMT, s);
}

std::int64_t Connection::scalar(const std::string& sql) {
  SQLHSTMT s = new_statement(*this);
  SQLBIGINT v = 0;
  SQLLEN ind = 0;
  SQLRETURN rc = SQLExecDirect(s, (SQLCHAR*)sql.c_str(), SQL_NTS);
  if (SQL_SUCCEEDED(rc)) rc = SQLFetch(s);
  if (SQL_SUCCEEDED(rc)) rc = SQLGetData(s, 1, SQL_C_SBIGINT, &v, 0, &ind);
  if (!SQL_SUCCEEDED(rc)) {
    try {
      if (rc == SQL_NO_DATA) throw std::runtime_error("raw ODBC: no row from " + sql);
      fail(SQL_HANDLE_STMT, s, sql);
    } catch (...) {
      SQLFreeHandle(SQL_HANDLE_STMT, s);
      throw;
    }
  }
  SQLFreeHandle(SQL_HANDLE_STMT, s);
  return ind == SQL_NULL_DATA ? 0 : v;
}

struct UserLookup::Impl {
  SQLHSTMT stmt;
  SQLBIGINT param = 0;
  SQLLEN param_ind = 0;
  RowBuffers row;
};

UserLookup::UserLookup(Connection& c, const std::string& table) : impl_(new Impl{new_statement(c)}) {
  SQLHSTMT s = impl_->stmt;
  prepare(s, std::string("SELECT ") + row_columns + " FROM " + table + " WHERE id = ?");
  check(SQLBindParameter(s, 1, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &impl_->param, 0, &impl_->param_ind),
        SQL_HANDLE_STMT, s, "bind id parameter");
  impl_->row.bind(s);
}

UserLookup::~UserLookup() { SQLFreeHandle(SQL_HANDLE_STMT, impl_->stmt); }

bool UserLookup::find(std::int64_t id, UserRow& out) {
  SQLHSTMT s = impl_->stmt;
  impl_->param = id;
  check(SQLExecute(s), SQL_HANDLE_STMT, s, "execute lookup");
  SQLRETURN rc = SQLFetch(s);
  bool found = SQL_SUCCEEDED(rc);
  if (!found && rc != SQL_NO_DATA) fail(SQL_HANDLE_STMT, s, "fetch lookup");
  if (found) impl_->row.copy_to(out);
  SQLCloseCursor(s);
  return found;
}

struct AccountLookup::Impl {
  SQLHSTMT stmt;
  SQLBIGINT param = 0, abalance = 0;
  SQLLEN param_ind = 0, abalance_ind = 0;
};

AccountLookup::AccountLookup(Connection& c) : impl_(new Impl{new_statement(c)}) {
  SQLHSTMT s = impl_->stmt;
  prepare(s, "SELECT abalance FROM pgbench_accounts WHERE aid = ?");
  check(SQLBindParameter(s, 1, SQL_PARAM_INPUT, SQL_C_SBIGINT, SQL_BIGINT, 0, 0, &impl_->param, 0, &impl_->param_ind),
        SQL_HANDLE_STMT, s, "bind aid parameter");
  check(SQLBindCol(s, 1, SQL_C_SBIGINT, &impl_->abalance, 0, &impl_->abalance_ind), SQL_HANDLE_STMT, s,
        "bind abalance");
}

AccountLookup::~AccountLookup() { SQLFreeHandle(SQL_HANDLE_STMT, impl_->stmt); }

bool AccountLookup::find(std::int64_t aid, std::int64_t& abalance) {
  SQLHSTMT s = impl_->stmt;
  impl_->param = aid;
  check(SQLExecute(s), SQL_HANDLE_STMT, s, "execute account lookup");
  SQLRETURN rc = SQLFetch(s);
  bool found = SQL_SUCCEEDED(rc);
  if (!found && rc != SQL_NO_DATA) fail(SQL_HANDLE_STMT, s, "fetch account lookup");
  if (found) abalance = impl_->abalance;
  SQLCloseCursor(s);
  return found;
}

std::int64_t scan(Connection& c, const std::string& table, std::int64_t& checksum) {
  SQLHSTMT s = new_statement(c);
  RowBuffers row;
  UserRow out;
  std::int64_t n = 0;
  try {
    prepare(s, std::string("SELECT ") + row_columns + " FROM " + table + " ORDER BY id");
    row.bind(s);
    check(SQLExecute(s), SQL_HANDLE_STMT, s, "execute scan");
    SQLRETURN rc;
    while (SQL_SUCCEEDED(rc = SQLFetch(s))) {
      row.copy_to(out);
      checksum += out.id;
      ++n;
    }
    if (rc != SQL_NO_DATA) fail(SQL_HANDLE_STMT, s, "fetch scan");
  } catch (...) {
    SQLFreeHandle(SQL_HANDLE_STMT, s);
    throw;
  }
  SQLFreeHandle(SQL_HANDLE_STMT, s);
  return n;
}

}  // namespace bench::raw
