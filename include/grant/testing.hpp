// Boost.Test support for code that runs in fibers: GRANT_FIBER_TEST_CASE.
//
//   #define BOOST_TEST_MODULE my_tests
//   #include <grant/testing.hpp>
//
//   GRANT_FIBER_TEST_CASE(counts_users) {
//     BOOST_TEST(User::async_count().await() == 0);
//   }
//
// The body runs inside a fiber spawned on the test thread and joined before the case ends,
// so it may await, receive from channels, sleep and spawn more fibers (join them, or let
// them finish, before the body returns). Boost.Test assertions work as usual; an exception
// escaping the body (BOOST_REQUIRE's included) fails the case as it would outside a fiber.
//
// The runtime: one per test module, created lazily by the first GRANT_FIBER_TEST_CASE that
// runs while no grant::Runtime exists, from grant::Config::from_env() (GRANT_CONFIG,
// GRANT_SHARD_<NAME>, GRANT_LOG_LEVEL), and destroyed when the module's tests end. Shards,
// pools and connections are thus shared by every case of the module: each case should
// create (or clean) the tables it uses. If the runtime cannot be created (a bad config),
// every GRANT_FIBER_TEST_CASE fails with that ConfigError.
//
// A case that wants a runtime of its own (other pool sizes, other shards) uses a plain
// BOOST_AUTO_TEST_CASE and grant::testing::run_in_fiber(), which never creates one.
#pragma once

#include <grant/config.hpp>
#include <grant/runtime.hpp>

#include <boost/fiber/fiber.hpp>
#include <boost/test/unit_test.hpp>

#include <exception>
#include <memory>
#include <utility>

namespace grant::testing {

/// Runs `body()` in a new fiber of this thread and waits for it (suspending only the
/// calling fiber), then rethrows whatever escaped the body.
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

/// The runtime this header created, if any.
inline std::unique_ptr<grant::Runtime>& module_runtime() {
  static std::unique_ptr<grant::Runtime> runtime;
  return runtime;
}

/// Creates the module's runtime from the environment unless a runtime is alive already.
inline void ensure_runtime() {
  if (grant::Runtime::exists()) return;
  module_runtime() = std::make_unique<grant::Runtime>(grant::Config::from_env());
}

/// Destroys the module's runtime when the test module ends, before static destruction (the
/// runtime joins its worker threads and closes connections; spdlog must still be alive).
/// Registered once per translation unit that includes this header; resetting twice is harmless.
struct RuntimeTeardown {
  ~RuntimeTeardown() { module_runtime().reset(); }
};
BOOST_TEST_GLOBAL_FIXTURE(RuntimeTeardown);

}  // namespace detail

/// The runtime GRANT_FIBER_TEST_CASE uses: the live one (creating it from the environment
/// if there is none). Throws what Runtime's constructor throws.
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
  BOOST_AUTO_TEST_CASE(name __VA_OPT__(, ) __VA_ARGS__) {                             \
    ::grant::testing::detail::ensure_runtime();                                       \
    ::grant::testing::run_in_fiber([] { name##_grant_fiber_body(); });               \
  }                                                                                   \
  static void name##_grant_fiber_body()
