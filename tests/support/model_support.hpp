// Shared by the model suites (tests/test_model_*.cpp): one Runtime for the whole suite
// from grant::test::config(), and a statement recorder over Runtime::add_statement_hook.
#pragma once

#include "tests/support/backend.hpp"

#include <grant/grant.hpp>

#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

namespace grant::test {

/// `using grant::test::SuiteRuntime; BOOST_TEST_GLOBAL_FIXTURE(SuiteRuntime);`: the suite's runtime.
struct SuiteRuntime {
  SuiteRuntime() : runtime(std::make_unique<grant::Runtime>(config(4))) {}
  std::unique_ptr<grant::Runtime> runtime;
};

/// Records the SQL of every statement run while it is alive (any shard, any thread).
class StatementLog {
 public:
  StatementLog()
      : id_(grant::Runtime::current().add_statement_hook([this](const grant::StatementEvent& e) {
          std::lock_guard lock(mutex_);
          sql_.push_back(e.sql);
        })) {}
  ~StatementLog() { grant::Runtime::current().remove_statement_hook(id_); }
  StatementLog(const StatementLog&) = delete;
  StatementLog& operator=(const StatementLog&) = delete;

  std::vector<std::string> sql() const {
    std::lock_guard lock(mutex_);
    return sql_;
  }
  std::size_t count() const {
    std::lock_guard lock(mutex_);
    return sql_.size();
  }
  /// Statements whose SQL starts with `prefix` ("UPDATE", "INSERT", ...).
  std::vector<std::string> starting_with(const std::string& prefix) const {
    std::vector<std::string> out;
    for (const auto& s : sql())
      if (s.rfind(prefix, 0) == 0) out.push_back(s);
    return out;
  }
  void clear() {
    std::lock_guard lock(mutex_);
    sql_.clear();
  }

 private:
  mutable std::mutex mutex_;
  std::vector<std::string> sql_;
  std::size_t id_;
};

/// An identifier quoted as the backend under test quotes it ("age" or `age`).
inline std::string quoted(std::string_view identifier) {
  const auto& name = backend().name;
  auto kind = name == "postgresql" ? grant::DialectKind::postgresql
              : name == "mariadb"  ? grant::DialectKind::mariadb
                                   : grant::DialectKind::sqlite;
  return grant::dialect_for(kind).quote(identifier);
}

/// Raw SQL on a shard (setup and checks that must not go through the ORM).
inline grant::Shard shard(const std::string& name = "primary") { return grant::Runtime::current().shard(name); }

}  // namespace grant::test
