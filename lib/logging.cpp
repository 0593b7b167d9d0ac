// The "grant" logger. Statements log at debug level; callers check should_log() before
// formatting so that a level above debug costs one comparison per statement.
#include "lib/logging.hpp"

#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <mutex>

namespace grant::detail {

bool valid_log_level(std::string_view level) {
  for (std::string_view known : {"trace", "debug", "info", "warn", "warning", "error", "critical", "off"})
    if (level == known) return true;
  return false;
}

spdlog::level::level_enum parse_log_level(std::string_view level) {
  if (level == "warning") return spdlog::level::warn;
  return spdlog::level::from_str(std::string(level));
}

GrantLogger grant_logger() {
  static std::mutex mutex;
  // The logger this library registered last: one found in the registry that is not this
  // one was registered by the application (perhaps after dropping ours).
  static std::weak_ptr<spdlog::logger> ours;
  std::lock_guard lock(mutex);
  if (auto existing = spdlog::get("grant")) return {existing, existing != ours.lock()};
  auto created = spdlog::stderr_color_mt("grant");
  ours = created;
  return {created, false};
}

}  // namespace grant::detail
