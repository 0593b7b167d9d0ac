// Peer (a): ODBC by hand — what the fastest hand-written code does with the same driver:
// one connection, statements prepared once, parameters and columns bound once, then
// SQLExecute / SQLFetch / SQLCloseCursor per lookup on the calling thread. No ORM, no
// thread hand-off, no Value boxing: the floor Grant is measured against.
// Also the bench's data loader (DDL and server-side generated rows).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace bench::raw {

/// The row of the lookup and scaling tables, as a hand-written program would hold it.
struct UserRow {
  std::int64_t id = 0;
  std::string name, email;
  std::int64_t views = 0;
  double score = 0;
  std::chrono::sys_time<std::chrono::microseconds> created_at{};
};

/// An open ODBC connection (its own handle; not thread-safe: one thread at a time).
class Connection {
 public:
  explicit Connection(const std::string& connection_string);
  ~Connection();
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  /// SQLExecDirect; throws std::runtime_error with the driver's diagnostics.
  void exec(const std::string& sql);
  /// First column of the first row as an integer (nullopt-free: throws if no row).
  std::int64_t scalar(const std::string& sql);
  void* handle() const { return dbc_; }

 private:
  void* dbc_ = nullptr;
};

/// SELECT <row> FROM <table> WHERE id = ?, prepared and bound once.
class UserLookup {
 public:
  UserLookup(Connection& c, const std::string& table);
  ~UserLookup();
  /// False if no row has this id.
  bool find(std::int64_t id, UserRow& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// pgbench's own query: SELECT abalance FROM pgbench_accounts WHERE aid = ?.
class AccountLookup {
 public:
  explicit AccountLookup(Connection& c);
  ~AccountLookup();
  bool find(std::int64_t aid, std::int64_t& abalance);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Reads every row of `table` in id order into a UserRow, one at a time (nothing kept);
/// returns the row count and adds the ids to `checksum`.
std::int64_t scan(Connection& c, const std::string& table, std::int64_t& checksum);

}  // namespace bench::raw
