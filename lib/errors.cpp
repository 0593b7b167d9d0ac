// Constructors of the exception hierarchy declared in include/grant/errors.hpp.
// Messages are built once, here, so every thrower words them the same way.
#include <grant/errors.hpp>

#include <boost/algorithm/string/predicate.hpp>

#include <algorithm>
#include <typeinfo>
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
                                   const std::string& sql, const std::string& shard, const std::string& operation) {
  std::string message;
  if (!operation.empty()) message = operation + (shard.empty() ? "" : " on shard " + shard) + ": ";
  message += "[" + (sqlstate.empty() ? std::string("?????") : sqlstate) + "] " + driver_message;
  if (operation.empty() && !shard.empty()) message += " (shard " + shard + ")";
  if (!sql.empty()) message += " SQL: " + sql;
  return message;
}

/// Edits (insert, delete, substitute, swap two neighbours) from a to b: the optimal string
/// alignment distance, so "nmae" is one edit from "name".
std::size_t edit_distance(const std::string& a, const std::string& b) {
  const std::size_t n = a.size(), m = b.size();
  std::vector<std::vector<std::size_t>> d(n + 1, std::vector<std::size_t>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) d[i][0] = i;
  for (std::size_t j = 0; j <= m; ++j) d[0][j] = j;
  for (std::size_t i = 1; i <= n; ++i)
    for (std::size_t j = 1; j <= m; ++j) {
      d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
      if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1]) d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
    }
  return d[n][m];
}

std::string printable(const std::string& s) {
  // Control and invisible bytes are shown escaped, so that "id\t" or a zero-width space
  // does not look like "id" in the message.
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(s[i]);
    if (c < 0x20 || c == 0x7f) {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
    } else if (c == 0xe2 && i + 2 < s.size() && static_cast<unsigned char>(s[i + 1]) == 0x80 &&
               (static_cast<unsigned char>(s[i + 2]) >= 0x8b && static_cast<unsigned char>(s[i + 2]) <= 0x8f)) {
      out += "\\u200" + std::string(1, "bcdef"[static_cast<unsigned char>(s[i + 2]) - 0x8b]);  // zero-width
      i += 2;
    } else {
      out += s[i];
    }
  }
  return out;
}

std::string unknown_message(const char* what, const std::string& name, const std::string& model,
                            const std::vector<std::string>& known, const std::string& suggestion,
                            const std::string& hint) {
  std::string message = "unknown " + std::string(what) + " \"" + printable(name) + "\" for model " + model;
  message += " (" + std::string(what) + "s: " + (known.empty() ? std::string("none") : join(known, ", ")) + ")";
  if (!suggestion.empty()) message += "; did you mean \"" + suggestion + "\"?";
  if (!hint.empty()) message += "; " + hint;
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

std::string nearest_name(const std::string& name, const std::vector<std::string>& known) {
  for (const auto& k : known)
    if (boost::algorithm::iequals(k, name)) return k;
  if (name.size() < 3) return {};
  const std::size_t limit = name.size() < 6 ? 1 : 2;
  std::string best;
  std::size_t best_distance = limit + 1;
  for (const auto& k : known) {
    const std::size_t d = edit_distance(name, k);
    if (d < best_distance) {
      best = k;
      best_distance = d;
    }
  }
  return best;
}

UnknownColumn::UnknownColumn(std::string model, std::string column, std::vector<std::string> known, std::string hint)
    : Error(unknown_message("column", column, model, known, nearest_name(column, known), hint)),
      model_(std::move(model)), column_(std::move(column)), suggestion_(nearest_name(column_, known)) {}

UnknownAssociation::UnknownAssociation(std::string model, std::string association, std::vector<std::string> known)
    : Error(unknown_message("association", association, model, known, nearest_name(association, known), {})),
      model_(std::move(model)), association_(std::move(association)) {}

StaleObject::StaleObject(std::string model, std::string id, std::string shard, std::string sql)
    : Error(stale_message(model, id, shard, sql)), model_(std::move(model)), id_(std::move(id)),
      shard_(std::move(shard)) {}

PoolTimeout::PoolTimeout(std::string shard, std::int64_t waited_ms, std::size_t pool_size)
    : Error("no connection of shard \"" + shard + "\" became free within " + std::to_string(waited_ms) +
            " ms (pool size " + std::to_string(pool_size) + ")"),
      shard_(std::move(shard)) {}

DatabaseError::DatabaseError(std::string sqlstate, std::int64_t native_error, std::string driver_message,
                             std::string sql, std::string shard, std::string operation)
    : Error(database_error_message(sqlstate, driver_message, sql, shard, operation)), sqlstate_(std::move(sqlstate)),
      native_(native_error), message_(std::move(driver_message)), sql_(std::move(sql)), shard_(std::move(shard)),
      operation_(std::move(operation)) {}

namespace {
template <class E>
void rethrow_as(const DatabaseError& e, const std::string& operation) {
  if (dynamic_cast<const E*>(&e))
    throw E(e.sqlstate(), e.native_error(), e.driver_message(), e.sql(), e.shard(), operation);
}
}  // namespace

void rethrow_with_operation(const DatabaseError& e, std::string operation) {
  if (!e.operation().empty() || operation.empty()) throw;
  // Most derived first; a subclass unknown here keeps its class by being rethrown as is.
  rethrow_as<ConnectionLost>(e, operation);
  rethrow_as<UniqueViolation>(e, operation);
  rethrow_as<Deadlock>(e, operation);
  rethrow_as<QueryTimeout>(e, operation);
  if (typeid(e) == typeid(DatabaseError)) throw DatabaseError(e.sqlstate(), e.native_error(), e.driver_message(), e.sql(), e.shard(), operation);
  throw;
}

RecordInvalid::RecordInvalid(std::string model, std::vector<std::string> messages)
    : Error(model + ": " + (messages.empty() ? std::string("invalid") : join(messages, ", "))),
      messages_(std::move(messages)) {}

namespace async {
CoordinationError::CoordinationError(std::vector<Failure> failures)
    : Error(coordination_message(failures)), failures_(std::move(failures)) {}
}  // namespace async

}  // namespace grant
