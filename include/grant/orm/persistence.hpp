// The persistence core: save, destroy, dirty tracking and validation running, written once
// for every model against a small virtual interface (RecordAdapter) that schema.hpp
// implements per model. Implemented in lib/orm/persistence.cpp; runs inside a job, on the
// job's connection.
//
// Order of a save (Rails' order; documented in model.hpp):
//   before_validation, [validations], after_validation, before_save,
//   before_create | before_update, [INSERT | UPDATE], after_create | after_update, after_save.
// Destroy: before_destroy, [DELETE], after_destroy.
#pragma once

#include <grant/connection.hpp>
#include <grant/orm/query_spec.hpp>
#include <grant/orm/table.hpp>
#include <grant/record.hpp>

#include <cstddef>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grant::orm {

enum class Callback {
  before_validation, after_validation,
  before_save, after_save,
  before_create, after_create,
  before_update, after_update,
  before_destroy, after_destroy,
};
inline constexpr std::size_t callback_kinds = 10;

class RecordAdapter;

/// What a validator sees (validations.hpp).
struct ValidationContext {
  Connection& connection;         ///< the job's connection (uniqueness runs a query on it)
  const RecordAdapter& record;
  Errors& errors;
  std::string column;             ///< the column under validation ("" for record validators)

  /// The value of another column of the record being validated (UnknownColumn if absent).
  Value value_of(std::string_view column) const;
};

/// A record of some model, seen without its type.
class RecordAdapter {
 public:
  virtual ~RecordAdapter() = default;
  virtual const TableInfo& table() const = 0;
  virtual Value get(std::size_t column) const = 0;
  virtual void set(std::size_t column, const Value& value) = 0;
  virtual RecordState& state() = 0;
  virtual const RecordState& state() const = 0;
  /// Values of a default-constructed record (what a new record is "changed" against).
  virtual const std::vector<Value>& defaults() const = 0;
  /// Runs the callbacks of one kind in declaration order; false as soon as one returns
  /// false (an abort; only before_* callbacks can abort).
  virtual bool run_callbacks(Callback kind) = 0;
  virtual bool has_callbacks(Callback kind) const = 0;
  /// Runs every declared validation, adding to errors.
  virtual void run_validations(ValidationContext& context) = 0;
};

/// Friend door into RecordState for the library.
struct RecordAccess {
  static void mark_loaded(RecordState& s, std::string shard, std::vector<Value> snapshot);
  static void mark_saved(RecordState& s, std::string shard, std::vector<Value> snapshot);
  static void mark_destroyed(RecordState& s);
  static const std::vector<Value>& snapshot(const RecordState& s) { return s.snapshot_; }
  static std::map<std::string, std::any, std::less<>>& loaded(RecordState& s) { return s.loaded_; }
  static const std::map<std::string, std::any, std::less<>>& loaded(const RecordState& s) { return s.loaded_; }
};

/// Current values of every column.
std::vector<Value> values_of(const RecordAdapter& record);
/// Column indexes whose value differs from the snapshot (or, for a new record, from a
/// default-constructed one).
std::vector<std::size_t> changed_columns(const RecordAdapter& record);
/// column -> {old, new} for changed_columns().
std::map<std::string, std::pair<Value, Value>> changes(const RecordAdapter& record);

/// Assigns {{"column", value}} to the record; UnknownColumn / ConversionError before any
/// assignment is made (checked first, then assigned).
void assign(RecordAdapter& record, const Attributes& attributes);

/// Runs validations (with their callbacks); true if there are no errors.
bool validate(Connection& c, RecordAdapter& record);

/// Inserts or updates. Returns false when validation fails (errors() filled) or a before_*
/// callback aborts; with `or_throw` those become RecordInvalid / RecordNotSaved. The
/// connection's shard becomes the record's. If anything throws, the record's key,
/// timestamps and persisted state are put back as they were (errors() are kept).
bool save(Connection& c, RecordAdapter& record, bool or_throw);

/// Deletes by primary key. False if a before_destroy callback aborted, the record was never
/// saved, or no row was deleted; with `or_throw` RecordNotDestroyed.
bool destroy(Connection& c, RecordAdapter& record, bool or_throw);

/// The record's own shard, else its model's.
const std::string& shard_of(const RecordAdapter& record);

/// For each column of a result set, the model column it fills (nullopt: not a model
/// column, e.g. a computed expression). By position when the query selected the model's
/// columns in schema order (`by_name` false), else by name (case-insensitive).
std::vector<std::optional<std::size_t>> column_map(const std::vector<std::string>& columns, const TableInfo& t,
                                                   bool by_name);
inline std::vector<std::optional<std::size_t>> column_map(const Rows& rows, const TableInfo& t, bool by_name) {
  return column_map(rows.columns, t, by_name);
}

/// For includes(): loads association `name` for every owner in one statement per 1000 keys
/// and stores the result in each owner's RecordState.
void preload(Connection& c, const TableInfo& t, const std::vector<RecordAdapter*>& owners, std::string_view name);

/// "User not found on shard primary: SELECT ..." (querying::NotFound's message).
std::string not_found_message(const TableInfo& t, const std::string& shard, const std::string& sql);

}  // namespace grant::orm
