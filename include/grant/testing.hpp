// Boost.Test support for code that runs in fibers: GRANT_FIBER_TEST_CASE.
//
//   #define BOOST_TEST_MODULE my_tests
//   #include <grant/testing.hpp>
//
//   GRANT_FIBER_TEST_CASE(counts_users) {
//     BOOST_TEST(User::async_count().await() == 0);
//   }
//
// Link with Boost.Test's shared library and define BOOST_TEST_DYN_LINK (the b2 target
// /grant//testing and the CMake target grant::testing bring both).
//
// The body runs inside a fiber spawned on the test thread and joined before the case ends,
// so it may await, receive from channels, sleep and spawn more fibers (join them, or let
// them finish, before the body returns). Boost.Test assertions work as usual; an exception
// escaping the body (BOOST_REQUIRE's included) fails the case as it would outside a fiber.
//
// The runtime: created lazily by the first GRANT_FIBER_TEST_CASE that runs while no
// grant::Runtime exists, from grant::Config::from_env() (GRANT_CONFIG, GRANT_SHARD_<NAME>,
// GRANT_LOG_LEVEL). When the environment names no shard, the runtime gets four SQLite
// databases in a fresh temporary directory, shards "primary", "shard_1", "shard_2" and
// "shard_3"; the directory is removed when the module ends. Consecutive
// GRANT_FIBER_TEST_CASEs share that runtime (its shards, pools and connections): each case
// should create (or clean) the tables it uses. If it cannot be created (a bad config),
// the GRANT_FIBER_TEST_CASE fails with that ConfigError.
//
// Cases that build their own grant::Runtime: before every test case that is not a
// GRANT_FIBER_TEST_CASE, the runtime this header created is destroyed (the temporary SQLite
// files stay), so a plain BOOST_AUTO_TEST_CASE (or its fixture) may construct a Runtime
// with other pool sizes or shards; grant::testing::run_in_fiber() runs code in a fiber
// without creating a runtime. A Runtime the program built itself is never destroyed here,
// and a GRANT_FIBER_TEST_CASE running while one is alive uses it.
//
// Crashes: while a GRANT_FIBER_TEST_CASE runs, a fatal signal on any thread (SIGSEGV,
// SIGBUS, SIGILL, SIGFPE, SIGABRT: a bad pointer, abort(), std::terminate) prints
// "grant::testing: test case NAME crashed: SIGSEGV; the test module stops" to stderr and
// ends the process with exit status 128 + the signal number. Boost.Test's own recovery
// (a jump back to the test runner) cannot cross from the case's fiber stack or a driver
// worker thread to the runner's stack, and left the module hanging; stopping at once with
// a message naming the case is the reliable outcome.
#pragma once

#include <grant/config.hpp>
#include <grant/runtime.hpp>

#include <boost/fiber/fiber.hpp>
#include <boost/test/unit_test.hpp>

#include <csignal>
#include <cstdlib>
#include <exception>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>
#include <utility>

#include <unistd.h>

namespace grant::testing {

/// Runs `body()` in a new fiber of this thread and waits for it (suspending only the
/// calling fiber), then rethrows whatever escaped the body. Creates no runtime.
template <class Body>
void run_in_fiber(Body&& body) {
  std::exception_ptr error;
  boost::fibers::fiber fiber{[&] {
    try {
      body();
    } catch (...) {
      error = std::current_exception();
    }
  }};
  fiber.join();
  if (error) std::rethrow_exception(error);
}

namespace detail {

/// The Boost.Test label every GRANT_FIBER_TEST_CASE carries (`--run_test=@grant_fiber`
/// selects them).
inline constexpr const char* fiber_case_label = "grant_fiber";

/// The runtime this header created, if any.
inline std::unique_ptr<grant::Runtime>& module_runtime() {
  static std::unique_ptr<grant::Runtime> runtime;
  return runtime;
}

/// The temporary directory of the SQLite shards made when the environment names none.
inline std::filesystem::path& temp_dir() {
  static std::filesystem::path dir;
  return dir;
}

inline void remove_temp_dir() noexcept {
  std::error_code ignored;
  if (!temp_dir().empty()) std::filesystem::remove_all(temp_dir(), ignored);
  temp_dir().clear();
}

/// Four SQLite shards in a temporary directory, made once per module.
inline void add_temporary_sqlite_shards(grant::Config& config) {
  if (temp_dir().empty()) {
    std::string pattern = (std::filesystem::temp_directory_path() / "grant-testing-XXXXXX").string();
    if (!::mkdtemp(pattern.data()))
      throw grant::ConfigError("grant::testing: cannot create a temporary directory from " + pattern);
    temp_dir() = pattern;
    std::atexit(remove_temp_dir);
  }
  for (const char* name : {"primary", "shard_1", "shard_2", "shard_3"})
    config.add_shard(name, "Driver=SQLite3;Database=" + (temp_dir() / (std::string(name) + ".db")).string());
}

/// Creates the module's runtime from the environment unless a runtime is alive already.
inline void ensure_runtime() {
  if (grant::Runtime::exists()) return;
  grant::Config config = grant::Config::from_env();
  if (config.shards.empty()) add_temporary_sqlite_shards(config);
  module_runtime() = std::make_unique<grant::Runtime>(std::move(config));
}

// ---- fatal signals inside a GRANT_FIBER_TEST_CASE --------------------------------------

inline constexpr int crash_signals[] = {SIGSEGV, SIGBUS, SIGILL, SIGFPE, SIGABRT};

/// The message prefix, formatted before the handler is installed (a signal handler may
/// only call async-signal-safe functions: no allocation, no formatting).
inline char crash_message[512];
inline std::size_t crash_message_length = 0;

inline const char* signal_name(int sig) noexcept {
  switch (sig) {
    case SIGSEGV: return "SIGSEGV (invalid memory access)";
    case SIGBUS: return "SIGBUS (bus error)";
    case SIGILL: return "SIGILL (illegal instruction)";
    case SIGFPE: return "SIGFPE (arithmetic error)";
    case SIGABRT: return "SIGABRT (abort, e.g. std::terminate)";
    default: return "a fatal signal";
  }
}

extern "C" inline void crash_handler(int sig) {
  auto put = [](const char* text, std::size_t n) {
    while (n > 0) {
      ssize_t written = ::write(STDERR_FILENO, text, n);
      if (written <= 0) return;
      text += written;
      n -= static_cast<std::size_t>(written);
    }
  };
  auto put_z = [&](const char* text) {
    std::size_t n = 0;
    while (text[n]) ++n;
    put(text, n);
  };
  put(crash_message, crash_message_length);
  put_z(signal_name(sig));
  put_z("; the test module stops\n");
  ::_exit(128 + sig);
}

/// Installs crash_handler for the fatal signals while a case runs and restores the
/// previous handlers (Boost.Test's) afterwards.
class CrashGuard {
 public:
  explicit CrashGuard(const std::string& case_name) {
    std::string message = "\ngrant::testing: test case " + case_name + " crashed: ";
    crash_message_length = message.copy(crash_message, sizeof crash_message - 1);
    struct sigaction action {};
    action.sa_handler = crash_handler;
    sigemptyset(&action.sa_mask);
    action.sa_flags = SA_ONSTACK;  // Boost.Test's alternate stack, if any: survives stack overflow
    for (std::size_t i = 0; i < std::size(crash_signals); ++i) ::sigaction(crash_signals[i], &action, &previous_[i]);
  }
  ~CrashGuard() {
    for (std::size_t i = 0; i < std::size(crash_signals); ++i) ::sigaction(crash_signals[i], &previous_[i], nullptr);
  }
  CrashGuard(const CrashGuard&) = delete;
  CrashGuard& operator=(const CrashGuard&) = delete;

 private:
  struct sigaction previous_[std::size(crash_signals)] {};
};

/// The body of every GRANT_FIBER_TEST_CASE: runtime, crash guard, fiber.
template <class Body>
void run_fiber_case(Body&& body) {
  ensure_runtime();
  CrashGuard guard{std::string(boost::unit_test::framework::current_test_case().p_name.get())};
  run_in_fiber(std::forward<Body>(body));
}

/// Destroys the module's runtime before each case that is not a GRANT_FIBER_TEST_CASE,
/// so that such a case may construct a Runtime of its own.
struct RuntimeReleaser : boost::unit_test::test_observer {
  void test_unit_start(const boost::unit_test::test_unit& unit) override {
    if (unit.p_type == boost::unit_test::TUT_CASE && !unit.has_label(fiber_case_label)) module_runtime().reset();
  }
  int priority() override { return 0; }
};

/// Registers the releaser when the module starts, and destroys the module's runtime when
/// it ends, before static destruction (the runtime joins its worker threads and closes
/// connections; spdlog must still be alive), then removes the temporary SQLite files.
/// Defined once per translation unit that includes this header: the first registers, the
/// others do nothing.
struct ModuleSetup {
  static int& users() {
    static int count = 0;
    return count;
  }
  static RuntimeReleaser& releaser() {
    static RuntimeReleaser instance;
    return instance;
  }
  ModuleSetup() {
    if (users()++ == 0) boost::unit_test::framework::register_observer(releaser());
  }
  ~ModuleSetup() {
    if (--users() != 0) return;
    boost::unit_test::framework::deregister_observer(releaser());
    module_runtime().reset();
    remove_temp_dir();
  }
};
BOOST_TEST_GLOBAL_FIXTURE(ModuleSetup);

}  // namespace detail

/// The runtime GRANT_FIBER_TEST_CASE uses: the live one (creating it from the environment,
/// or on temporary SQLite shards, if there is none). Throws what Runtime's constructor throws.
inline grant::Runtime& runtime() {
  detail::ensure_runtime();
  return grant::Runtime::current();
}

}  // namespace grant::testing

/// A Boost.Test case whose body runs inside a fiber with a runtime from the environment
/// (see the file comment). Use it where BOOST_AUTO_TEST_CASE(name) would go; decorators
/// follow the name as there (`GRANT_FIBER_TEST_CASE(n, *boost::unit_test::precondition(f))`:
/// a case whose precondition fails is reported as skipped).
#define GRANT_FIBER_TEST_CASE(name, ...)                                              \
  static void name##_grant_fiber_body();                                              \
  BOOST_AUTO_TEST_CASE(name, *::boost::unit_test::label("grant_fiber") __VA_ARGS__) {   \
    ::grant::testing::detail::run_fiber_case([] { name##_grant_fiber_body(); });      \
  }                                                                                   \
  static void name##_grant_fiber_body()
