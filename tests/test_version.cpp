// The version is written once (include/grant/version.hpp): the compiled library, its
// SONAME and CHANGELOG.md's newest release agree with it.
#define BOOST_TEST_MODULE test_version
#include <boost/test/unit_test.hpp>

#include <grant/version.hpp>

#include <dlfcn.h>

#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

namespace {

// The checkout this test binary was built from: the nearest parent of the binary that
// holds CHANGELOG.md and include/grant/version.hpp.
std::filesystem::path source_root() {
  std::filesystem::path dir = std::filesystem::read_symlink("/proc/self/exe").parent_path();
  for (; !dir.empty() && dir != dir.root_path(); dir = dir.parent_path())
    if (std::filesystem::exists(dir / "CHANGELOG.md") && std::filesystem::exists(dir / "include/grant/version.hpp"))
      return dir;
  return {};
}

}  // namespace

BOOST_AUTO_TEST_CASE(library_and_headers_agree) {
  BOOST_CHECK_EQUAL(std::string(grant::version()), GRANT_VERSION_STRING);
  BOOST_CHECK_EQUAL(std::string(GRANT_VERSION_STRING),
                    std::to_string(GRANT_VERSION_MAJOR) + "." + std::to_string(GRANT_VERSION_MINOR) + "." +
                        std::to_string(GRANT_VERSION_PATCH));
  BOOST_CHECK_EQUAL(GRANT_VERSION, GRANT_VERSION_MAJOR * 10000 + GRANT_VERSION_MINOR * 100 + GRANT_VERSION_PATCH);
}

BOOST_AUTO_TEST_CASE(shared_library_is_named_by_its_soname) {
  Dl_info info{};
  BOOST_REQUIRE(::dladdr(reinterpret_cast<void*>(&grant::version), &info) != 0);
  BOOST_REQUIRE(info.dli_fname != nullptr);
  std::string expected = "libgrant.so." + std::to_string(GRANT_VERSION_MAJOR) + "." + std::to_string(GRANT_VERSION_MINOR);
  BOOST_CHECK_EQUAL(std::filesystem::path(info.dli_fname).filename().string(), expected);
}

BOOST_AUTO_TEST_CASE(changelog_names_the_version) {
  std::filesystem::path root = source_root();
  BOOST_REQUIRE_MESSAGE(!root.empty(), "no CHANGELOG.md above the test binary");
  std::ifstream in(root / "CHANGELOG.md");
  std::string line;
  std::string newest;
  static const std::regex release(R"(^## \[([0-9]+\.[0-9]+\.[0-9]+)\].*)");
  while (std::getline(in, line)) {
    std::smatch m;
    if (std::regex_match(line, m, release)) {
      newest = m[1];
      break;
    }
  }
  BOOST_CHECK_EQUAL(newest, GRANT_VERSION_STRING);
}
