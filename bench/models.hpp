// The Grant models the bench reads with: a user row (workloads 1, 4, 5) and pgbench's
// account (workload 3). The tables are created by bench/data.cpp and `pgbench -i`.
#pragma once

#include <grant/grant.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace bench {

/// Table of BenchUser: set before the model is first used (its schema is built once per
/// process), so a workload-5 child reads the table of its size.
inline std::string& user_table() {
  static std::string name = "bench_users";
  return name;
}

struct BenchUser : grant::Model<BenchUser> {
  std::optional<std::int64_t> id;
  std::string name, email;
  std::int64_t views = 0;
  double score = 0;
  grant::Time created_at{};
  static auto schema() {
    return grant::Schema<BenchUser>(user_table())
        .primary_key()
        .columns("name", &BenchUser::name, "email", &BenchUser::email, "views", &BenchUser::views, "score",
                 &BenchUser::score, "created_at", &BenchUser::created_at);
  }
};

struct Account : grant::Model<Account> {
  std::int64_t aid = 0;
  std::int64_t bid = 0;
  std::int64_t abalance = 0;
  std::optional<std::string> filler;
  static auto schema() {
    return grant::Schema<Account>("pgbench_accounts")
        .primary_key("aid", &Account::aid)
        .columns("bid", &Account::bid, "abalance", &Account::abalance, "filler", &Account::filler);
  }
};

/// A runtime with one shard, "primary", on `odbc`, and `pool` connections.
inline grant::Config runtime_config(const std::string& odbc, std::size_t pool) {
  grant::Config c;
  c.pool_size = pool;
  c.log_level = "warn";
  c.add_shard("primary", odbc);
  return c;
}

}  // namespace bench
