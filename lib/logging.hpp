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
/// The process's "grant" logger (stderr), created on first use and kept registered in
/// spdlog so that users may swap its sinks.
std::shared_ptr<spdlog::logger> grant_logger();

}  // namespace grant::detail
