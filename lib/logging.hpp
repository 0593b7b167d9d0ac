// The "grant" spdlog logger and log-level names (internal to the library).
#pragma once

#include <spdlog/logger.h>

#include <memory>
#include <string_view>

namespace grant::detail {

/// trace|debug|info|warn|error|off (also "warning" and "critical", spdlog's spellings).
bool valid_log_level(std::string_view level);
/// Precondition: valid_log_level(level).
spdlog::level::level_enum parse_log_level(std::string_view level);
/// The "grant" logger: the one registered in spdlog, or a new stderr logger registered
/// under that name.
struct GrantLogger {
  std::shared_ptr<spdlog::logger> logger;
  /// Registered by the application, not by the library: its level and sinks are the
  /// application's to set.
  bool application_owned = false;
};
GrantLogger grant_logger();

}  // namespace grant::detail
