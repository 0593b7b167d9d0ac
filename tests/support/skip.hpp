// Boost.Test decorators for cases that apply to some backends only. Where the condition
// does not hold, Boost.Test reports the case as skipped (with the reason) instead of
// running it, and tools/test counts it under "skipped", never under "passed":
//
//   BOOST_AUTO_TEST_CASE(kills_a_connection, *grant::test::only_if(&Backend::server, "needs a server")) { ... }
//   BOOST_AUTO_TEST_CASE(sqlite_files, *grant::test::only_on("sqlite")) { ... }
//
// The condition is checked when the case is about to run (the backend comes from the
// environment, tests/support/backend.hpp).
#pragma once

#include "tests/support/backend.hpp"

#include <boost/test/unit_test.hpp>

#include <string>

namespace grant::test {

/// Runs the case only where the backend flag `flag` is true; `why` names what it needs.
inline boost::unit_test::precondition only_if(bool Backend::*flag, std::string why) {
  return boost::unit_test::precondition([flag, why](boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result ok(backend().*flag);
    if (!ok) ok.message() << why << "; backend " << backend().name;
    return ok;
  });
}

/// Runs the case only on the backend named `name` ("sqlite", "postgresql", "mariadb").
inline boost::unit_test::precondition only_on(std::string name) {
  return boost::unit_test::precondition([name](boost::unit_test::test_unit_id) {
    boost::test_tools::assertion_result ok(backend().name == name);
    if (!ok) ok.message() << "applies to " << name << " only; backend " << backend().name;
    return ok;
  });
}

}  // namespace grant::test
