// grant::Config — shards, pools and logging, from code, an INI file or the environment.
//
// Thread safety: a Config is a plain value; build it on one thread, then hand it to
// grant::Runtime, which copies it.
#pragma once

#include <chrono>
#include <cstddef>
#include <optional>
#include <string>
#include <vector>

namespace grant {

/// One shard: a name and an ODBC connection string or "DSN=name", with per-shard overrides.
struct ShardConfig {
  std::string name;
  /// ODBC connection string as the user wrote it; the driver layer adds the per-driver
  /// defaults of docs/drivers.md (e.g. BoolsAsChar=0 for psqlODBC) unless the user set them.
  std::string connection;
  std::optional<std::size_t> pool_size;                        ///< connections; default Config::pool_size
  std::optional<std::chrono::milliseconds> checkout_timeout;   ///< default Config::checkout_timeout
};

/// Process-wide settings. Defaults: pool_size 8, checkout_timeout 5000 ms, query_timeout
/// 30000 ms, log_level "warn".
///
/// INI form (Boost.PropertyTree), keys under [grant]: pool_size, checkout_timeout_ms,
/// query_timeout_ms, connect_timeout_ms, validate_idle_ms, idle_timeout_ms, log_level,
/// log_parameters; and one [shard.NAME] section per shard with
/// connection (required), pool_size, checkout_timeout_ms. Unknown keys and sections are
/// errors, so a typo never passes silently.
struct Config {
  std::size_t pool_size = 8;
  std::chrono::milliseconds checkout_timeout{5000};
  /// Deadline of every statement, on every driver (INI: query_timeout_ms; default 30 s;
  /// 0 = none). Past it the statement is cancelled and the caller gets QueryTimeout, also
  /// when the server stopped answering (docs/drivers.md, "Deadlines"). Per query:
  /// Query::timeout(), Statement::timeout, Connection::set_timeout().
  std::chrono::milliseconds query_timeout{30000};
  /// How long opening a connection may take, in whole seconds rounded up (psqlODBC:
  /// SQL_ATTR_LOGIN_TIMEOUT, at least 2 s; MariaDB: CONN_TIMEOUT; docs/drivers.md,
  /// "Connect deadline"). Without it a server that accepts TCP but never answers (hung,
  /// stopped) keeps a worker, and the await, waiting forever; past it the connect throws
  /// ConnectionLost. 0 = none.
  std::chrono::milliseconds connect_timeout{10000};
  /// A pooled connection idle longer than this is checked with a trivial statement
  /// ("SELECT 1", not counted in Metrics or hooks) before it is used; one that fails is
  /// replaced. 0 = never. Default 30 s.
  std::chrono::milliseconds validate_idle{30000};
  /// A pooled connection idle longer than this is closed (it reopens on next use).
  /// 0 = never. Default 10 min.
  std::chrono::milliseconds idle_timeout{600000};
  /// trace|debug|info|warn|error|off, the level of the "grant" logger the runtime creates:
  /// debug shows every statement (shard, duration, rows, SQL), info adds a line when the
  /// runtime starts and stops, warn (the default) only problems. GRANT_LOG_LEVEL overrides
  /// it. A "grant" logger the application registered in spdlog before the runtime started
  /// is used as it is: its sinks and its level are left alone, and this setting is ignored.
  std::string log_level = "warn";
  /// Whether error messages and the statement log may show parameter values (off: values
  /// may be secrets).
  bool log_parameters = false;
  std::vector<ShardConfig> shards;

  /// Reads an INI file. Throws ConfigError naming the file and the key on a missing file,
  /// a syntax error, an unknown key, a shard without `connection`, or a bad number.
  static Config from_file(const std::string& path);

  /// The configuration from the environment: the file named by GRANT_CONFIG if set (else
  /// defaults), then apply_env().
  static Config from_env();

  /// Overlays GRANT_SHARD_<NAME>=<connection> (adds or replaces shard "name", lower-cased)
  /// and GRANT_LOG_LEVEL. Throws ConfigError on an empty connection.
  Config& apply_env();

  /// Adds or replaces a shard. Throws ConfigError on an empty name or connection, or a
  /// pool size of 0.
  Config& add_shard(std::string name, std::string connection, std::optional<std::size_t> pool_size = std::nullopt,
                    std::optional<std::chrono::milliseconds> checkout_timeout = std::nullopt);

  /// The shard called `name`, or nullptr.
  const ShardConfig* find_shard(const std::string& name) const;
};

}  // namespace grant
