// grant::driver::connect(): SQLDriverConnect with the per-driver defaults, then the dialect
// from SQLGetInfo(SQL_DBMS_NAME).
#include "drivers/driver.hpp"
#include "drivers/odbc/client_socket.hpp"
#include "drivers/odbc/connection_string.hpp"
#include "drivers/odbc/diagnostics.hpp"
#include "drivers/odbc/environment.hpp"
#include "drivers/odbc/odbc_connection.hpp"

#include <grant/errors.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>
#include <boost/algorithm/string/case_conv.hpp>

#include <string>

namespace grant::driver {
namespace {

std::optional<DialectKind> dialect_from_dbms(const std::string& dbms) {
  const std::string name = boost::algorithm::to_lower_copy(dbms);
  if (name.find("sqlite") != std::string::npos) return DialectKind::sqlite;
  if (name.find("postgres") != std::string::npos) return DialectKind::postgresql;
  if (name.find("mariadb") != std::string::npos || name.find("mysql") != std::string::npos)
    return DialectKind::mariadb;
  return std::nullopt;
}

// Owns the DBC handle until a Connection takes it.
struct DbcHandle {
  SQLHDBC h = SQL_NULL_HDBC;
  bool connected = false;
  ~DbcHandle() {
    if (connected) SQLDisconnect(h);
    if (h != SQL_NULL_HDBC) SQLFreeHandle(SQL_HANDLE_DBC, h);
  }
  SQLHDBC release() {
    connected = false;
    SQLHDBC out = h;
    h = SQL_NULL_HDBC;
    return out;
  }
};

// 'text', for messages (built by appending: GCC 12 warns falsely on "'" + std::string).
std::string quote(std::string_view text) {
  std::string out(1, '\'');
  out += text;
  out += '\'';
  return out;
}

// The value of `key` in a connection string ("" if absent).
std::string attribute(const std::string& connection_string, std::string_view key) {
  for (const auto& a : odbc::parse_connection_string(connection_string)) {
    std::string k = a.key;
    std::transform(k.begin(), k.end(), k.begin(), [](unsigned char c) { return std::tolower(c); });
    if (k == key) return a.value;
  }
  return "";
}

// Why the SQLite file cannot be opened, asked of the file system (the driver only says
// "unable to open database file"); empty if the file system sees nothing wrong.
std::string sqlite_file_problem(const std::string& path) {
  namespace fs = std::filesystem;
  if (path.empty()) return "the connection string names no Database= file";
  if (path == ":memory:" || path.rfind("file:", 0) == 0) return "";
  fs::path file(path);
  fs::path dir = file.parent_path().empty() ? fs::path(".") : file.parent_path();
  std::error_code ec;
  auto dir_status = fs::status(dir, ec);
  if (!fs::exists(dir_status)) return "directory " + quote(dir.string()) + " does not exist";
  if (!fs::is_directory(dir_status)) return quote(dir.string()) + " is not a directory";
  auto file_status = fs::status(file, ec);
  if (fs::is_directory(file_status)) return quote(path) + " is a directory";
  const bool exists = fs::exists(file_status);
  // Try what the driver tries: open for reading and writing, or create (and remove again).
  int fd = exists ? ::open(path.c_str(), O_RDWR | O_CLOEXEC)
                  : ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    std::string why = std::strerror(errno);
    return exists ? "cannot open " + quote(path) + " for reading and writing: " + why
                  : "cannot create " + quote(path) + " in directory '" + dir.string() + "': " + why;
  }
  ::close(fd);
  if (!exists) ::unlink(path.c_str());
  if (::access(dir.c_str(), W_OK | X_OK) != 0)  // the journal and WAL files go beside the database
    return "no write permission on directory " + quote(dir.string()) + " (SQLite's journal goes there): " +
           std::strerror(errno);
  return "";
}

// The ODBC drivers unixODBC knows (odbcinst.ini), by name.
std::vector<std::string> installed_drivers() {
  std::vector<std::string> names;
  SQLCHAR name[256];
  SQLCHAR attributes[1024];
  SQLSMALLINT name_length = 0, attributes_length = 0;
  SQLUSMALLINT direction = SQL_FETCH_FIRST;
  while (SQL_SUCCEEDED(SQLDrivers(odbc::environment(), direction, name, sizeof name, &name_length, attributes,
                                  sizeof attributes, &attributes_length))) {
    names.emplace_back(reinterpret_cast<char*>(name));
    direction = SQL_FETCH_NEXT;
  }
  return names;
}

// What Grant can tell about a failed connect beyond the driver's diagnostics: the
// connection string does not parse, the driver is not installed, the SQLite file cannot
// be opened. Empty when there is nothing to add.
std::string connect_hint(const std::string& connection_string, const std::string& full) {
  std::vector<std::string> hints;
  if (auto problem = odbc::parse_problem(connection_string); !problem.empty())
    hints.push_back("the connection string does not parse: " + problem);
  std::string driver = attribute(full, "driver");
  if (!driver.empty() && driver.find('/') == std::string::npos) {
    auto installed = installed_drivers();
    auto same = [&](const std::string& n) {
      return n.size() == driver.size() && std::equal(n.begin(), n.end(), driver.begin(), [](char a, char b) {
               return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
             });
    };
    if (std::none_of(installed.begin(), installed.end(), same)) {
      std::string list;
      for (const auto& n : installed) list += (list.empty() ? "" : ", ") + n;
      hints.push_back("ODBC driver " + quote(driver) + " is not installed; installed drivers: " +
                      (list.empty() ? std::string("none") : list) + " (odbcinst -q -d lists them)");
    }
  }
  if (odbc::detect_driver(full) == odbc::DriverKind::sqlite)
    if (auto problem = sqlite_file_problem(attribute(full, "database")); !problem.empty())
      hints.push_back("SQLite database file: " + problem);
  std::string out;
  for (const auto& h : hints) out += (out.empty() ? "" : "; ") + h;
  return out;
}

// The local port of this connection's TCP socket as the server sees it (-1: not TCP, e.g.
// a Unix socket, or not known), so that the socket can be found among the process's fds.
int client_port(odbc::OdbcConnection& c) {
  try {
    if (c.dialect().kind() == DialectKind::postgresql) {
      Rows rows = c.query_unhooked({"SELECT inet_client_port()", {}});
      if (rows.empty() || rows.rows[0][0].is_null()) return -1;
      return static_cast<int>(rows.rows[0][0].as<std::int64_t>());
    }
    if (c.dialect().kind() == DialectKind::mariadb) {
      Rows rows = c.query_unhooked({"SELECT HOST FROM information_schema.PROCESSLIST WHERE ID = CONNECTION_ID()", {}});
      if (rows.empty() || rows.rows[0][0].is_null()) return -1;
      const std::string host = rows.rows[0][0].to_string();  // "127.0.0.1:54321", or "localhost"
      const auto colon = host.rfind(':');
      if (colon == std::string::npos) return -1;
      return std::stoi(host.substr(colon + 1));
    }
  } catch (const ConnectionLost&) {
    throw;
  } catch (const std::exception&) {
    // Without the port the watchdog can still cancel; it only cannot unblock a driver that
    // ignores the cancel.
  }
  return -1;
}

}  // namespace

std::unique_ptr<Connection> connect(const std::string& connection_string, const ConnectOptions& options) {
  using namespace odbc;
  const std::string full = with_driver_defaults(connection_string, options.busy_timeout, options.connect_timeout);
  const std::string shown = "connect " + odbc::mask_password(full);
  DbcHandle dbc;
  SQLRETURN rc = SQLAllocHandle(SQL_HANDLE_DBC, environment(), &dbc.h);
  if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_ENV, environment(), rc, shown, options.shard);

  if (options.connect_timeout.count() > 0) {
    // MariaDB's driver does not bound the greeting with it: CONN_TIMEOUT, added above, does.
    auto seconds = static_cast<SQLULEN>(whole_seconds_up(options.connect_timeout));
    rc = SQLSetConnectAttr(dbc.h, SQL_ATTR_LOGIN_TIMEOUT, reinterpret_cast<SQLPOINTER>(seconds), 0);
    if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_DBC, dbc.h, rc, shown, options.shard);
  }
  SQLCHAR out[1024];
  SQLSMALLINT out_length = 0;
  rc = SQLDriverConnect(dbc.h, nullptr, reinterpret_cast<SQLCHAR*>(const_cast<char*>(full.c_str())), SQL_NTS, out,
                        sizeof out, &out_length, SQL_DRIVER_NOPROMPT);
  if (!SQL_SUCCEEDED(rc)) {
    auto records = diagnostics(SQL_HANDLE_DBC, dbc.h);
    // Appended last: the driver's own first record still decides the exception class.
    if (auto hint = connect_hint(connection_string, full); !hint.empty())
      records.push_back({records.empty() ? "08001" : records.front().sqlstate, 0, "grant: " + hint});
    throw_database_error(records, shown, options.shard);
  }
  dbc.connected = true;

  SQLCHAR dbms[256] = {0};
  SQLSMALLINT dbms_length = 0;
  rc = SQLGetInfo(dbc.h, SQL_DBMS_NAME, dbms, sizeof dbms, &dbms_length);
  if (!SQL_SUCCEEDED(rc)) throw_from(SQL_HANDLE_DBC, dbc.h, rc, shown, options.shard);
  std::string dbms_name(reinterpret_cast<char*>(dbms));
  auto kind = dialect_from_dbms(dbms_name);
  if (!kind)
    throw DatabaseError("HY000", 0,
                        "unsupported database '" + dbms_name + "' (Grant speaks SQLite, PostgreSQL and MariaDB/MySQL)",
                        shown, options.shard);

  auto connection = std::make_unique<OdbcConnection>(dbc.release(), dialect_for(*kind), options);
  if (detect_driver(connection_string) == DriverKind::unknown) {
    // A DSN: its driver was unknown, so no defaults went into the string. grant::Time is
    // UTC by contract, so the session's zone must be too (CURRENT_TIMESTAMP, timestamptz).
    if (*kind == DialectKind::postgresql) connection->exec({"SET TIME ZONE 'UTC'", {}});
    if (*kind == DialectKind::mariadb) connection->exec({"SET time_zone = '+00:00'", {}});
  }
  if (*kind != DialectKind::sqlite) {
    const int fd = find_tcp_socket(client_port(*connection));
    connection->set_socket(fd);
    // MariaDB Connector/ODBC has no keep-alive option (psqlODBC's is in the connection
    // string): set it on the socket, so that a peer that vanished is noticed.
    if (*kind == DialectKind::mariadb) set_keepalive(fd, keepalive_idle, keepalive_interval, keepalive_count);
  }
  return connection;
}

}  // namespace grant::driver
