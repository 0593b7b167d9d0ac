// grant::Migrator: DDL jobs.
#include <grant/migrator.hpp>
#include <grant/orm/sql.hpp>
#include <grant/runtime.hpp>

namespace grant {

std::string Migrator::create_sql(const Dialect& d) const { return orm::sql::create_table(*table_, d); }

void Migrator::create() const {
  const orm::TableInfo* t = table_;
  Shard::run_on(shard_, [t](Connection& c) { return c.exec(Statement{orm::sql::create_table(*t, c.dialect()), {}}); }, false)
      .await();
}

void Migrator::drop() const {
  const orm::TableInfo* t = table_;
  Shard::run_on(shard_, [t](Connection& c) { return c.exec(Statement{orm::sql::drop_table(*t, c.dialect()), {}}); }, false)
      .await();
}

void Migrator::drop_and_create() const {
  const orm::TableInfo* t = table_;
  Shard::run_on(
      shard_,
      [t](Connection& c) {
        c.exec(Statement{orm::sql::drop_table(*t, c.dialect()), {}});
        return c.exec(Statement{orm::sql::create_table(*t, c.dialect()), {}});
      },
      false)
      .await();
}

}  // namespace grant
