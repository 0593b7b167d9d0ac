// Where exceptions escaping detached fibers go (see include/grant/fiber/spawn.hpp).
#include <grant/fiber/spawn.hpp>

#include <spdlog/spdlog.h>

#include <cstdio>
#include <exception>
#include <string>

namespace grant::fiber::detail {

std::size_t& live_fibers_here() noexcept {
  thread_local std::size_t count = 0;
  return count;
}

void report_unhandled(std::exception_ptr error) noexcept {
  std::string message = "unknown exception";
  try {
    std::rethrow_exception(error);
  } catch (const std::exception& e) {
    message = e.what();
  } catch (...) {
  }
  try {
    if (auto logger = spdlog::get("grant")) {
      logger->error("unhandled exception in a detached fiber: {}", message);
      return;
    }
  } catch (...) {
  }
  std::fprintf(stderr, "grant: unhandled exception in a detached fiber: %s\n", message.c_str());
}

}  // namespace grant::fiber::detail
