// The "grant" logger as spdlog users expect it: quiet by default, an application's own
// logger used as it is (sinks and level), parameter values in the statement log only when
// log_parameters asks for them.
#define BOOST_TEST_MODULE test_logging
#include <boost/test/unit_test.hpp>

#include <grant/runtime.hpp>

#include "tests/runtime_helpers.hpp"
#include "tests/support/backend.hpp"

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include <fcntl.h>
#include <unistd.h>

namespace {

// Sends file descriptor 2 to a temporary file for one scope; text() reads what arrived.
class CapturedStderr {
 public:
  CapturedStderr() : path_(std::filesystem::temp_directory_path() / ("grant-log-" + std::to_string(::getpid()) + ".txt")) {
    std::fflush(stderr);
    saved_ = ::dup(STDERR_FILENO);
    int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(fd, STDERR_FILENO);
    ::close(fd);
  }
  ~CapturedStderr() {
    restore();
    std::filesystem::remove(path_);
  }
  std::string text() {
    restore();
    std::ifstream in(path_);
    return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  }

 private:
  void restore() {
    if (saved_ < 0) return;
    std::fflush(stderr);
    ::dup2(saved_, STDERR_FILENO);
    ::close(saved_);
    saved_ = -1;
  }
  std::filesystem::path path_;
  int saved_ = -1;
};

// GRANT_LOG_LEVEL unset for one scope (tools/test may set it).
class NoLogLevelVariable {
 public:
  NoLogLevelVariable() {
    if (const char* v = std::getenv("GRANT_LOG_LEVEL")) saved_ = v;
    ::unsetenv("GRANT_LOG_LEVEL");
  }
  ~NoLogLevelVariable() {
    if (saved_) ::setenv("GRANT_LOG_LEVEL", saved_->c_str(), 1);
  }

 private:
  std::optional<std::string> saved_;
};

// An application-registered "grant" logger writing into a string; dropped at scope end.
struct ApplicationLogger {
  std::ostringstream out;
  std::shared_ptr<spdlog::logger> logger;
  explicit ApplicationLogger(spdlog::level::level_enum level) {
    spdlog::drop("grant");
    logger = std::make_shared<spdlog::logger>("grant", std::make_shared<spdlog::sinks::ostream_sink_mt>(out));
    logger->set_level(level);
    spdlog::register_logger(logger);
  }
  ~ApplicationLogger() { spdlog::drop("grant"); }
  std::string text() {
    logger->flush();
    return out.str();
  }
};

grant::Config config_with_default_level() {
  grant::Config config = grant::test::config(2);
  config.log_level = grant::Config{}.log_level;
  return config;
}

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

}  // namespace

BOOST_AUTO_TEST_CASE(quiet_by_default) {
  NoLogLevelVariable no_variable;
  spdlog::drop("grant");
  std::string quiet, asked;
  {
    CapturedStderr captured;
    {
      grant::Runtime runtime{config_with_default_level()};
      runtime.shard("primary").query("SELECT 1 AS one");
    }
    quiet = captured.text();
  }
  BOOST_CHECK_MESSAGE(quiet.empty(), "a default runtime printed: " << quiet);
  BOOST_CHECK(!spdlog::get("grant")->should_log(spdlog::level::info));

  // The same capture sees the start and stop lines once they are asked for.
  {
    CapturedStderr captured;
    {
      grant::Config config = config_with_default_level();
      config.log_level = "info";
      grant::Runtime runtime{config};
      runtime.shard("primary").query("SELECT 1 AS one");
    }
    asked = captured.text();
  }
  BOOST_CHECK_MESSAGE(contains(asked, "grant runtime started"), asked);
  BOOST_CHECK_MESSAGE(contains(asked, "grant runtime stopped"), asked);
  spdlog::drop("grant");
}

BOOST_AUTO_TEST_CASE(an_application_logger_keeps_its_sinks_and_level) {
  ApplicationLogger app{spdlog::level::warn};
  grant::Config config = config_with_default_level();
  config.log_level = "debug";  // ignored: the application's logger has its own level
  grant::Runtime runtime{config};
  BOOST_CHECK(spdlog::get("grant") == app.logger);
  BOOST_CHECK_EQUAL(app.logger->level(), spdlog::level::warn);
  runtime.shard("primary").query("SELECT 1 AS quiet_probe");
  BOOST_CHECK_MESSAGE(!contains(app.text(), "quiet_probe"), app.text());

  app.logger->set_level(spdlog::level::debug);  // the application asks for the statements
  runtime.shard("primary").query("SELECT 2 AS loud_probe");
  BOOST_CHECK_MESSAGE(contains(app.text(), "SELECT 2 AS loud_probe"), app.text());
}

BOOST_AUTO_TEST_CASE(grant_log_level_does_not_touch_an_application_logger) {
  ApplicationLogger app{spdlog::level::err};
  ::setenv("GRANT_LOG_LEVEL", "trace", 1);
  {
    grant::Runtime runtime{config_with_default_level()};
    BOOST_CHECK_EQUAL(app.logger->level(), spdlog::level::err);
  }
  ::unsetenv("GRANT_LOG_LEVEL");
}

BOOST_AUTO_TEST_CASE(statement_log_shows_parameters_only_when_asked) {
  for (bool log_parameters : {false, true}) {
    ApplicationLogger app{spdlog::level::debug};
    grant::Config config = config_with_default_level();
    config.log_parameters = log_parameters;
    grant::Runtime runtime{config};
    grant::Shard shard = runtime.shard("primary");
    rt_test::make_table(shard, "log_probe");
    shard.exec("INSERT INTO log_probe (name, n) VALUES (?, ?)", {std::string("value-in-the-log"), 4242});
    std::string log = app.text();
    BOOST_TEST_CONTEXT("log_parameters=" << log_parameters << "; log: " << log) {
      BOOST_CHECK(contains(log, "INSERT INTO log_probe (name, n) VALUES (?, ?)"));
      BOOST_CHECK_EQUAL(contains(log, "'value-in-the-log'"), log_parameters);
      BOOST_CHECK_EQUAL(contains(log, "4242"), log_parameters);
    }
  }
}
