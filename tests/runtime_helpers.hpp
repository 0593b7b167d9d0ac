// Small helpers shared by the runtime suites (test_runtime, test_transaction_shard).
#pragma once

#include <grant/errors.hpp>
#include <grant/runtime.hpp>

#include "tests/support/backend.hpp"

#include <cstdint>
#include <string>

namespace rt_test {

/// (Re)creates `table` on `shard`: id (auto key), name (text), n (64-bit integer).
inline void make_table(const grant::Shard& shard, const std::string& table) {
  shard
      .run(
          [table](grant::Connection& c) {
            const grant::Dialect& d = c.dialect();
            c.exec({d.drop_table_sql(table), {}});
            c.exec({"CREATE TABLE " + d.quote(table) + " (" + d.quote("id") + " " + d.auto_primary_key() + ", " +
                        d.quote("name") + " " + d.type_name(grant::ColumnType::text) + ", " + d.quote("n") + " " +
                        d.type_name(grant::ColumnType::int64) + ")",
                    {}});
            return true;
          },
          false)
      .await();
}

inline std::int64_t count(const grant::Shard& shard, const std::string& table, const std::string& where = "") {
  return shard.query("SELECT COUNT(*) FROM " + table + (where.empty() ? "" : " WHERE " + where)).rows.at(0).at(0).as<std::int64_t>();
}

inline std::int64_t insert(const grant::Shard& shard, const std::string& table, const std::string& name, std::int64_t n = 0) {
  return shard.exec("INSERT INTO " + table + " (name, n) VALUES (?, ?)", {name, n});
}

/// SQL that returns this connection's server-side id, and that ends another connection by
/// that id; empty where the backend has no server (SQLite).
inline std::string connection_id_sql() {
  const auto& b = grant::test::backend();
  if (b.name == "postgresql") return "SELECT pg_backend_pid()";
  if (b.name == "mariadb") return "SELECT CONNECTION_ID()";
  return "";
}
inline std::string kill_sql(std::int64_t id) {
  const auto& b = grant::test::backend();
  if (b.name == "postgresql") return "SELECT pg_terminate_backend(" + std::to_string(id) + ")";
  if (b.name == "mariadb") return "KILL CONNECTION " + std::to_string(id);
  return "";
}

}  // namespace rt_test
