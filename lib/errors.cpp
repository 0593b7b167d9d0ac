// Constructors of the exception hierarchy declared in include/grant/errors.hpp.
// Messages are built once, here, so every thrower words them the same way.
#include <grant/errors.hpp>

#include <string>
#include <utility>

namespace grant {
namespace {

std::string join(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += separator;
    out += item;
  }
  return out;
}

std::string unknown_shard_message(const std::string& shard, const std::vector<std::string>& known) {
  std::string message = "unknown shard \"" + shard + "\"; known shards: ";
  message += known.empty() ? std::string("(none)") : join(known, ", ");
  return message;
}

std::string database_error_message(const std::string& sqlstate, const std::string& driver_message,
                                   const std::string& sql, const std::string& shard) {
  std::string message = "[" + (sqlstate.empty() ? std::string("?????") : sqlstate) + "] " + driver_message;
  if (!shard.empty()) message += " (shard " + shard + ")";
  if (!sql.empty()) message += " SQL: " + sql;
  return message;
}

std::string stale_message(const std::string& model, const std::string& id, const std::string& shard,
                          const std::string& sql) {
  return model + " id " + id + " (shard " + shard +
         ") is stale: its row was changed or deleted since it was read; reload it and retry. SQL: " + sql;
}

std::string coordination_message(const std::vector<async::CoordinationError::Failure>& failures) {
  std::string message = std::to_string(failures.size()) + (failures.size() == 1 ? " operation" : " operations") +
                        " failed: ";
  bool first = true;
  for (const auto& failure : failures) {
    if (!first) message += "; ";
    first = false;
    message += std::to_string(failure.index) + ": " + failure.message;
  }
  return message;
}

}  // namespace

UnknownShard::UnknownShard(std::string shard, const std::vector<std::string>& known)
    : Error(unknown_shard_message(shard, known)), shard_(std::move(shard)) {}

UnknownColumn::UnknownColumn(std::string model, std::string column)
    : Error("unknown column \"" + column + "\" for model " + model), model_(std::move(model)),
      column_(std::move(column)) {}

StaleObject::StaleObject(std::string model, std::string id, std::string shard, std::string sql)
    : Error(stale_message(model, id, shard, sql)), model_(std::move(model)), id_(std::move(id)),
      shard_(std::move(shard)) {}

PoolTimeout::PoolTimeout(std::string shard, std::int64_t waited_ms, std::size_t pool_size)
    : Error("no connection of shard \"" + shard + "\" became free within " + std::to_string(waited_ms) +
            " ms (pool size " + std::to_string(pool_size) + ")"),
      shard_(std::move(shard)) {}

DatabaseError::DatabaseError(std::string sqlstate, std::int64_t native_error, std::string driver_message,
                             std::string sql, std::string shard)
    : Error(database_error_message(sqlstate, driver_message, sql, shard)), sqlstate_(std::move(sqlstate)),
      native_(native_error), message_(std::move(driver_message)), sql_(std::move(sql)), shard_(std::move(shard)) {}

RecordInvalid::RecordInvalid(std::string model, std::vector<std::string> messages)
    : Error(model + ": " + (messages.empty() ? std::string("invalid") : join(messages, ", "))),
      messages_(std::move(messages)) {}

namespace async {
CoordinationError::CoordinationError(std::vector<Failure> failures)
    : Error(coordination_message(failures)), failures_(std::move(failures)) {}
}  // namespace async

}  // namespace grant
