#include <grant/version.hpp>

namespace grant {
const char* version() noexcept { return GRANT_VERSION_STRING; }
}  // namespace grant
