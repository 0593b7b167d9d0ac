// Runtime and shard internals shared by lib/runtime.cpp and lib/transaction.cpp.
#pragma once

#include <grant/runtime.hpp>

#include "drivers/executor/instruments.hpp"
#include "drivers/executor/pool.hpp"
#include "lib/logging.hpp"

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace grant::detail {

class ShardImpl {
 public:
  ShardImpl(std::string name, PoolSettings settings, Instruments& instruments)
      : name(std::move(name)), pool(std::move(settings), instruments) {}
  const std::string name;
  Pool pool;
};

class RuntimeImpl {
 public:
  explicit RuntimeImpl(Config config);
  RuntimeImpl(Config config, GrantLogger logger);
  Config config;
  std::shared_ptr<spdlog::logger> logger;
  Instruments instruments;
  std::vector<std::unique_ptr<ShardImpl>> shards;  // fixed after construction

  ShardImpl* find(std::string_view name) const noexcept;
  std::vector<std::string> names() const;
};

/// The live runtime's internals, or nullptr.
RuntimeImpl* current_runtime() noexcept;

/// One transaction of the calling fiber on one shard: either a lease (a worker serving this
/// fiber's statements in order), or, when transaction() was called from inside a job of
/// that shard, the worker running that job (lease null).
struct TxEntry {
  ShardImpl* shard = nullptr;
  std::shared_ptr<Lease> lease;
  Worker* worker = nullptr;
};

/// The calling fiber's open transaction on `shard`, or nullptr. Fiber-specific
/// (boost::fibers::fiber_specific_ptr), so two fibers of one thread never share one.
TxEntry* current_transaction(const ShardImpl* shard) noexcept;

}  // namespace grant::detail
