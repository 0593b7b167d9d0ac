// grant::Errors and grant::RecordState — the small per-record state every model carries
// (through grant::Model<M>): persisted/destroyed flags, the values as last loaded or saved
// (for dirty tracking), validation errors, the record's shard and preloaded associations.
//
// Thread safety: plain values, like the model that holds them.
#pragma once

#include <grant/value.hpp>

#include <any>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grant {

namespace orm {
struct RecordAccess;
}

/// Validation errors of one record, in the order they were added.
/// Field "base" is for errors about the record as a whole.
class Errors {
 public:
  void add(std::string field, std::string message);
  bool empty() const { return items_.empty(); }
  std::size_t size() const { return items_.size(); }
  void clear() { items_.clear(); }
  /// Messages for one field, e.g. on("email") -> {"can't be blank"}.
  std::vector<std::string> on(std::string_view field) const;
  /// "email can't be blank", one per error ("base" errors are the message alone).
  std::vector<std::string> full_messages() const;
  /// (field, message) pairs.
  const std::vector<std::pair<std::string, std::string>>& items() const { return items_; }

 private:
  std::vector<std::pair<std::string, std::string>> items_;
};

/// The state behind persisted(), new_record(), changed(), errors() and loaded<T>().
/// Only the library writes it.
class RecordState {
 public:
  /// Saved or loaded, and not destroyed.
  bool persisted() const { return !new_record_ && !destroyed_; }
  /// Never saved (and not loaded from the database).
  bool new_record() const { return new_record_; }
  /// destroy() deleted it.
  bool destroyed() const { return destroyed_; }
  /// Errors of the last validation (save / update / valid()).
  const Errors& errors() const { return errors_; }
  Errors& errors() { return errors_; }
  /// The shard this record was loaded from or saved to; empty for a new record that will
  /// use its model's shard.
  const std::string& shard_name() const { return shard_; }
  /// Chooses the shard a new record is saved to (before its first save).
  void use_shard(std::string shard) { shard_ = std::move(shard); }
  /// True if includes(name) loaded the association `name` into this record.
  bool is_loaded(std::string_view association) const { return loaded_.find(std::string(association)) != loaded_.end(); }

 private:
  friend struct orm::RecordAccess;
  bool new_record_ = true;
  bool destroyed_ = false;
  std::vector<Value> snapshot_;   // column values as last loaded or saved; empty when new
  Errors errors_;
  std::string shard_;
  // association name -> std::shared_ptr<const std::vector<Target>> (immutable, shared by copies)
  std::map<std::string, std::any, std::less<>> loaded_;
};

}  // namespace grant
