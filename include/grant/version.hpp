// The library's version: the one place it is written. The b2 build reads these three
// numbers for the shared library's name and SONAME (libgrant.so.MAJOR.MINOR), grant.pc
// and the CMake package version; CHANGELOG.md's newest entry names the same version
// (tests/test_version.cpp checks all of them).
//
// Compatibility: before 1.0 a MINOR release may change the API and the ABI, hence the
// SONAME carries MAJOR.MINOR; a PATCH release keeps both.
#pragma once

#define GRANT_VERSION_MAJOR 0
#define GRANT_VERSION_MINOR 1
#define GRANT_VERSION_PATCH 0

#define GRANT_VERSION_STRINGIZE_(x) #x
#define GRANT_VERSION_STRINGIZE(x) GRANT_VERSION_STRINGIZE_(x)
/// "MAJOR.MINOR.PATCH" of the headers being compiled.
#define GRANT_VERSION_STRING                                                                 \
  GRANT_VERSION_STRINGIZE(GRANT_VERSION_MAJOR) "." GRANT_VERSION_STRINGIZE(GRANT_VERSION_MINOR) "." \
      GRANT_VERSION_STRINGIZE(GRANT_VERSION_PATCH)
/// MAJOR * 10000 + MINOR * 100 + PATCH, for #if comparisons.
#define GRANT_VERSION (GRANT_VERSION_MAJOR * 10000 + GRANT_VERSION_MINOR * 100 + GRANT_VERSION_PATCH)

namespace grant {

/// "MAJOR.MINOR.PATCH" of the library the program runs with (which may be newer than the
/// headers it was compiled with, GRANT_VERSION_STRING). Static storage; any thread.
const char* version() noexcept;

}  // namespace grant
