// grant::Migrator — creates and drops a model's table from its schema (Model::migrator()).
// DDL per dialect: NOT NULL for non-optional columns, the dialect's auto-increment key,
// declared defaults, every identifier quoted (reserved words are fine).
//
// Each call is a synchronous job on the migrator's shard; throws DatabaseError (e.g. the
// table already exists for create()) or UnknownShard. Safe from any thread or fiber.
#pragma once

#include <grant/dialect.hpp>
#include <grant/orm/table.hpp>

#include <string>

namespace grant {

class Migrator {
 public:
  Migrator(const orm::TableInfo& table, std::string shard) : table_(&table), shard_(std::move(shard)) {}

  /// CREATE TABLE.
  void create() const;
  /// DROP TABLE IF EXISTS.
  void drop() const;
  void drop_and_create() const;
  /// The CREATE TABLE statement for a dialect.
  std::string create_sql(const Dialect& d) const;
  const std::string& shard() const { return shard_; }

 private:
  const orm::TableInfo* table_;
  std::string shard_;
};

}  // namespace grant
