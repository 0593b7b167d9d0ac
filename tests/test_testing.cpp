// grant/testing.hpp: GRANT_FIBER_TEST_CASE runs the body in a fiber with the module's runtime.
#define BOOST_TEST_MODULE test_testing
#include <grant/testing.hpp>

#include <grant/fiber.hpp>

#include <boost/fiber/operations.hpp>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <optional>
#include <stdexcept>
#include <string>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

using namespace std::chrono_literals;

namespace {
boost::fibers::fiber::id test_thread_fiber;
grant::Runtime* first_runtime = nullptr;

// Unsets the GRANT_SHARD_* and GRANT_CONFIG variables for one scope, restoring them after.
class NoShardEnvironment {
 public:
  NoShardEnvironment() {
    for (const char* name : kNames) {
      const char* value = std::getenv(name);
      saved_.emplace_back(name, value ? std::optional<std::string>(value) : std::nullopt);
      ::unsetenv(name);
    }
  }
  ~NoShardEnvironment() {
    for (const auto& [name, value] : saved_)
      if (value) ::setenv(name, value->c_str(), 1);
  }

 private:
  static constexpr const char* kNames[] = {"GRANT_CONFIG", "GRANT_SHARD_PRIMARY", "GRANT_SHARD_SHARD_1",
                                           "GRANT_SHARD_SHARD_2", "GRANT_SHARD_SHARD_3"};
  std::vector<std::pair<const char*, std::optional<std::string>>> saved_;
};

// Runs this test binary again with `arguments`, bounded by `timeout`; returns the exit
// status (124 if it timed out) and fills `output` with what it printed.
int run_self(const std::string& arguments, std::string& output) {
  std::filesystem::path self = std::filesystem::read_symlink("/proc/self/exe");
  std::filesystem::path log = std::filesystem::temp_directory_path() / ("grant-testing-child-" + std::to_string(::getpid()) + ".log");
  std::string command = "timeout -k 5 60 '" + self.string() + "' " + arguments + " >'" + log.string() + "' 2>&1";
  int status = std::system(command.c_str());
  std::ifstream in(log);
  output.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  std::filesystem::remove(log);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}
}  // namespace

// Declared first, so it runs first (Boost.Test keeps declaration order): no runtime yet.
BOOST_AUTO_TEST_CASE(plain_case_runs_on_the_test_threads_own_fiber) {
  test_thread_fiber = boost::this_fiber::get_id();
  BOOST_CHECK(!grant::Runtime::exists());
}

GRANT_FIBER_TEST_CASE(body_runs_in_another_fiber_with_a_runtime) {
  BOOST_CHECK(boost::this_fiber::get_id() != test_thread_fiber);
  BOOST_REQUIRE(grant::Runtime::exists());
  first_runtime = &grant::Runtime::current();
  BOOST_CHECK_EQUAL(&grant::testing::runtime(), first_runtime);
}

GRANT_FIBER_TEST_CASE(the_runtime_is_shared_by_the_module) {
  BOOST_CHECK_EQUAL(&grant::Runtime::current(), first_runtime);
}

GRANT_FIBER_TEST_CASE(runtime_has_the_shards_of_the_environment) {
  // Without shard variables the runtime has four temporary SQLite shards of the same names.
  auto names = grant::Runtime::current().shard_names();
  for (const char* shard : {"primary", "shard_1", "shard_2", "shard_3"})
    BOOST_CHECK_MESSAGE(std::find(names.begin(), names.end(), shard) != names.end(), "missing shard " << shard);
  // A real round trip through the module's runtime, awaited from this fiber.
  auto rows = grant::Runtime::current().shard("primary").async_query("SELECT 41 + 1 AS answer").await();
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_CHECK_EQUAL(rows.at(0, "answer").as<std::int64_t>(), 42);
}

GRANT_FIBER_TEST_CASE(body_may_suspend_and_spawn) {
  grant::fiber::Channel<int> channel{1};
  auto producer = grant::fiber::spawn([&] {
    grant::fiber::sleep(2ms);
    channel.send(5);
  });
  BOOST_CHECK_EQUAL(channel.receive().value_or(0), 5);
  producer.join();
}

GRANT_FIBER_TEST_CASE(decorators_follow_the_name, *boost::unit_test::description("a decorated fiber case")) {
  BOOST_CHECK_EQUAL(boost::unit_test::framework::current_test_case().p_description.get(), "a decorated fiber case");
  BOOST_CHECK(boost::this_fiber::get_id() != test_thread_fiber);
}

BOOST_AUTO_TEST_CASE(run_in_fiber_rethrows_what_escapes_the_body) {
  bool ran = false;
  grant::testing::run_in_fiber([&] { ran = boost::this_fiber::get_id() != test_thread_fiber; });
  BOOST_CHECK(ran);
  BOOST_CHECK_THROW(grant::testing::run_in_fiber([] { throw std::invalid_argument("x"); }), std::invalid_argument);
}

// A case after the fiber cases builds a Runtime of its own: the module's runtime is gone
// before the case starts (a Runtime the case makes would otherwise be refused).
BOOST_AUTO_TEST_CASE(a_plain_case_after_fiber_cases_may_build_its_own_runtime) {
  BOOST_REQUIRE(first_runtime != nullptr);  // the fiber cases above ran
  BOOST_CHECK(!grant::Runtime::exists());
  grant::Config config = grant::Config::from_env();
  if (config.shards.empty()) grant::testing::detail::add_temporary_sqlite_shards(config);
  config.pool_size = 1;
  grant::Runtime own{config};
  BOOST_CHECK_EQUAL(&grant::Runtime::current(), &own);
  auto rows = own.shard("primary").query("SELECT 6 * 7 AS answer");
  BOOST_REQUIRE_EQUAL(rows.size(), 1u);
  BOOST_CHECK_EQUAL(rows.at(0, "answer").as<std::int64_t>(), 42);
}

GRANT_FIBER_TEST_CASE(a_fiber_case_after_that_gets_a_module_runtime_again) {
  BOOST_REQUIRE(grant::Runtime::exists());
  BOOST_CHECK_EQUAL(grant::Runtime::current().config().pool_size, grant::Config{}.pool_size);
  auto rows = grant::Runtime::current().shard("primary").async_query("SELECT 1 AS one").await();
  BOOST_CHECK_EQUAL(rows.at(0, "one").as<std::int64_t>(), 1);
}

// With no shard in the environment the module's runtime runs on temporary SQLite files.
BOOST_AUTO_TEST_CASE(temporary_sqlite_shards_when_the_environment_names_none) {
  NoShardEnvironment no_shards;
  BOOST_REQUIRE(!grant::Runtime::exists());
  grant::Runtime& runtime = grant::testing::runtime();
  auto names = runtime.shard_names();
  BOOST_CHECK_EQUAL(names.size(), 4u);
  for (const char* shard : {"primary", "shard_1", "shard_2", "shard_3"}) {
    const grant::ShardConfig* config = runtime.config().find_shard(shard);
    BOOST_REQUIRE_MESSAGE(config != nullptr, "missing shard " << shard);
    BOOST_CHECK_MESSAGE(config->connection.find("Driver=SQLite3;Database=") == 0, config->connection);
  }
  grant::Shard primary = runtime.shard("primary");
  primary.exec("CREATE TABLE testing_probe (n INTEGER)");
  primary.exec("INSERT INTO testing_probe (n) VALUES (?)", {7});
  BOOST_CHECK_EQUAL(primary.query("SELECT n FROM testing_probe").at(0, "n").as<std::int64_t>(), 7);
  std::filesystem::path file = grant::testing::detail::temp_dir() / "primary.db";
  BOOST_CHECK(std::filesystem::exists(file));
  grant::testing::detail::module_runtime().reset();
}

// Children run by crash_in_a_fiber_case_ends_the_module_with_a_message: disabled, so that
// they run only when named on the command line.
BOOST_AUTO_TEST_SUITE(crash_children, *boost::unit_test::disabled())
GRANT_FIBER_TEST_CASE(segfault_in_the_body) {
  // The signal a wild write gets, raised directly: a real null store would be reported by
  // UndefinedBehaviorSanitizer before any signal in the sanitizer run.
  std::raise(SIGSEGV);
}
GRANT_FIBER_TEST_CASE(abort_on_a_driver_worker) {
  grant::Runtime::current().shard("primary").run([](grant::Connection&) -> int { std::abort(); }).await();
}
BOOST_AUTO_TEST_SUITE_END()

BOOST_AUTO_TEST_CASE(crash_in_a_fiber_case_ends_the_module_with_a_message) {
  std::string output;
  int status = run_self("--run_test=crash_children/segfault_in_the_body", output);
  BOOST_CHECK_EQUAL(status, 128 + SIGSEGV);
  BOOST_CHECK_MESSAGE(output.find("grant::testing: test case segfault_in_the_body crashed: SIGSEGV") != std::string::npos,
                      output);
  status = run_self("--run_test=crash_children/abort_on_a_driver_worker", output);
  BOOST_CHECK_EQUAL(status, 128 + SIGABRT);
  BOOST_CHECK_MESSAGE(output.find("grant::testing: test case abort_on_a_driver_worker crashed: SIGABRT") != std::string::npos,
                      output);
}
