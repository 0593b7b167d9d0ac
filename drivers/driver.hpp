// The driver contract: how the runtime's pools open connections. Small on purpose; everything a
// job can do with an open connection is grant::Connection (include/grant/connection.hpp).
// Nothing here includes <sql.h>: ODBC stays inside drivers/odbc/.
#pragma once

#include <grant/connection.hpp>
#include <grant/runtime.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

namespace grant::driver {

struct ConnectOptions {
  std::string shard;                                   ///< for messages and logs
  /// Deadline of each statement (Connection::query/exec/insert, transaction control),
  /// held by the watchdog on every driver; 0 = none.
  std::chrono::milliseconds query_timeout{30000};
  /// How long a statement may take to return after SQLCancel before the connection's
  /// socket is shut down under it.
  std::chrono::milliseconds cancel_grace{200};
  /// Bound on SQLDriverConnect, including the wait for a server that accepts the TCP
  /// connection and never answers: SQL_ATTR_LOGIN_TIMEOUT, and on MariaDB CONN_TIMEOUT
  /// (both whole seconds, rounded up); 0 = none.
  std::chrono::milliseconds connect_timeout{0};
  std::chrono::milliseconds busy_timeout{5000};        ///< SQLite Timeout=<ms> default
  bool log_parameters = false;                         ///< may messages show bound values
  /// Called after every statement on this connection (duration, rows, ok); queue_wait and
  /// async are filled in by the executor. May be empty.
  std::function<void(StatementEvent&)> on_statement;
};

/// Size of the buffer each SQLGetData call fills when reading text or bytes: a long value
/// arrives in parts of read_chunk_bytes - 1 (text: the driver adds a NUL) or read_chunk_bytes
/// (bytes) bytes. Exposed so that tests can probe sizes around the part boundary.
inline constexpr std::size_t read_chunk_bytes = 8192;

/// Opens a connection from a DSN or connection string, adding the per-driver defaults of
/// docs/drivers.md unless the string sets them, and picks the dialect from SQL_DBMS_NAME.
/// Throws ConnectionLost (SQLSTATE 08xxx) or DatabaseError naming the shard and the
/// connection string with any PWD= value masked. Blocking: the runtime calls it on the
/// thread that checked out the pool slot (a worker, or a caller that may block).
std::unique_ptr<Connection> connect(const std::string& connection_string, const ConnectOptions& options);

/// `connection_string` with every PWD=/Password= value replaced by "***" (the ODBC
/// layer's one connection-string parser does the work).
std::string mask_password(const std::string& connection_string);
/// `text` (say, a driver message) with the PWD=/Password= values of `connection_string`
/// replaced by "***" wherever they occur.
std::string hide_password(std::string text, const std::string& connection_string);

/// The connection string with the per-driver defaults added (exposed for tests and logs).
/// `connect_timeout` > 0 adds MariaDB's CONN_TIMEOUT (seconds, rounded up), which its
/// driver does not bound the wait for the greeting by SQL_ATTR_LOGIN_TIMEOUT.
std::string with_driver_defaults(const std::string& connection_string, std::chrono::milliseconds busy_timeout,
                                 std::chrono::milliseconds connect_timeout = std::chrono::milliseconds{0});

}  // namespace grant::driver
