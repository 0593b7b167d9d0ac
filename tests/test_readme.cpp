// README.md's code blocks, compiled and run: tools/readme-snippets turns them into
// readme_snippets.hpp (b2 regenerates it when README.md changes). The program runs in a
// fresh working directory with README's config/grant.ini; on a server backend the
// connection of each shard in that file is replaced by one of the backend's databases.
#define BOOST_TEST_MODULE test_readme
#include <boost/test/unit_test.hpp>

#include "readme_snippets.hpp"

#include "tests/support/backend.hpp"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

namespace {

// README's INI text with each shard's `connection =` line pointing at a test database.
std::string with_backend_connections(const std::string& ini) {
  const auto& backend = grant::test::backend();
  if (backend.name == "sqlite") return ini;  // README's own SQLite files, in the working directory
  const std::map<std::string, std::size_t> database_of = {{"primary", 0}, {"americas", 1}, {"europe", 2}, {"world", 3}};
  std::istringstream in(ini);
  std::string line, section, out;
  while (std::getline(in, line)) {
    if (line.rfind("[shard.", 0) == 0) section = line.substr(7, line.find(']') - 7);
    if (line.rfind("connection = ", 0) == 0) {
      auto found = database_of.find(section);
      BOOST_REQUIRE_MESSAGE(found != database_of.end(), "README shard " << section << " has no test database");
      line = "connection = " + backend.shards.at(found->second);
    }
    out += line + "\n";
  }
  return out;
}

struct WorkingDirectory {
  std::filesystem::path previous = std::filesystem::current_path();
  std::filesystem::path dir;
  WorkingDirectory() {
    std::string pattern = (std::filesystem::temp_directory_path() / "grant-readme-XXXXXX").string();
    BOOST_REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    dir = pattern;
    std::filesystem::current_path(dir);
  }
  ~WorkingDirectory() {
    std::filesystem::current_path(previous);
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
  }
};

}  // namespace

BOOST_AUTO_TEST_CASE(every_code_block_of_the_readme_runs) {
  WorkingDirectory cwd;
  for (const auto& file : readme::files) {
    std::filesystem::path path = file.path;
    std::filesystem::create_directories(path.parent_path());
    std::ofstream(path) << with_backend_connections(file.text);
  }
  BOOST_REQUIRE_NO_THROW(readme::readme_main());
}
