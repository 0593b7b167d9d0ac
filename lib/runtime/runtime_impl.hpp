// Runtime and shard internals shared by the files of lib/runtime/.
#pragma once

#include <grant/runtime.hpp>

#include "lib/runtime/instruments.hpp"
#include "lib/runtime/pool.hpp"
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

}  // namespace grant::detail
