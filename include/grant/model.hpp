// grant::Model<M> — the base of every model: class-level queries (User::find, User::where,
// User::async_count, ...) and instance-level persistence (save, update, destroy, ...).
//
//   struct User : grant::Model<User> {
//     std::optional<std::int64_t> id;
//     std::string email;
//     static auto schema() { return grant::Schema<User>("users").primary_key().column("email", &User::email); }
//   };
//   User u; u.email = "a@example.com"; u.save();
//   auto n = User::where({{"email", "a@example.com"}}).async_count();   // ... n.await()
//
// Class-level methods forward to grant::Query<M>{} (query.hpp has the details, and the
// rule for names: a string is a checked, quoted column name; raw SQL only through the
// '?' fragment forms and grant::raw(...)). A DatabaseError raised by an operation names
// it ("Invoice.where(...).count() on shard europe: ...", "Invoice.save() ...").
//
// Record writes (save, update, destroy and their async_ / _or_throw forms):
//  - save() inserts a new record (every column except an unset auto id and unset
//    std::optional columns, so database defaults apply) or updates a persisted one (only the
//    changed columns; none changed -> no SQL). created_at/updated_at are set here.
//  - Order: before_validation, [validations], after_validation, before_save,
//    before_create | before_update, [INSERT | UPDATE], after_create | after_update,
//    after_save. Destroy: before_destroy, [DELETE], after_destroy. A before_* callback
//    returning false aborts: save()/update() return false, *_or_throw throw RecordNotSaved.
//    When after_* callbacks exist, the write and those callbacks run in one transaction
//    (unless one is already open), so an exception in them undoes the write.
//  - Validations, callbacks, the uniqueness query, the INSERT/UPDATE and reading back the
//    generated id all run INSIDE THE JOB, on a driver worker thread, on the job's connection.
//    Callbacks may use the sync API on the same shard (it runs inline on that connection);
//    they must not touch fiber-local state of the caller.
//
// OWNERSHIP RULE for async writes: async_save(), async_update(..), async_destroy() (and the
// _or_throw forms) copy the record into the job and copy the outcome (id, timestamps,
// persisted flag, dirty snapshot, errors(), changes made by callbacks) back into THIS
// record during the first await() of the returned result — also when it throws. Keep the
// record alive and do not read or write it until that await() returns. A result never
// awaited leaves the record untouched.
//
// Thread safety: a record is a plain value (one thread at a time); class-level methods may
// be called from any thread or fiber.
#pragma once

#include <grant/errors.hpp>
#include <grant/migrator.hpp>
#include <grant/orm/persistence.hpp>
#include <grant/query.hpp>
#include <grant/record.hpp>
#include <grant/runtime.hpp>
#include <grant/schema.hpp>

#include <algorithm>
#include <any>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace grant {

template <class M>
class Model : public RecordState {
 public:
  // ---- class level: queries -----------------------------------------------------------

  /// Every row of M (on M's shard).
  static Query<M> query() { return Query<M>(); }
  static Query<M> shard(std::string name) { return query().shard(std::move(name)); }
  static Query<M> where(const Conditions& c) { return query().where(c); }
  static Query<M> where(std::string column, Op op, Operand value) {
    return query().where(std::move(column), op, std::move(value));
  }
  static Query<M> where(std::string sql, std::vector<Value> binds = {}) {
    return query().where(std::move(sql), std::move(binds));
  }
  static Query<M> where_not(const Conditions& c) { return query().where_not(c); }
  static Query<M> order(Expr column, Direction d) { return query().order(std::move(column), d); }
  static Query<M> order(std::string columns) { return query().order(std::move(columns)); }
  static Query<M> order(Raw sql) { return query().order(std::move(sql)); }
  static Query<M> limit(std::int64_t n) { return query().limit(n); }
  static Query<M> offset(std::int64_t n) { return query().offset(n); }
  static Query<M> joins(std::string association) { return query().joins(std::move(association)); }
  static Query<M> joins(Raw clause) { return query().joins(std::move(clause)); }
  static Query<M> group(Expr column) { return query().group(std::move(column)); }
  static Query<M> having(std::string sql, std::vector<Value> binds = {}) {
    return query().having(std::move(sql), std::move(binds));
  }
  static Query<M> having(Raw sql) { return query().having(std::move(sql)); }
  template <class... S>
  static Query<M> select(S&&... columns) { return query().select(std::forward<S>(columns)...); }
  static Query<M> distinct() { return query().distinct(); }
  static Query<M> includes(std::string association) { return query().includes(std::move(association)); }
  /// Every row, without the default scope.
  static Query<M> unscoped() { return query().unscoped(); }
  /// The named scope of M's schema (Query::scoped).
  static Query<M> scoped(std::string_view name) { return query().scoped(name); }
  static Query<M> none() { return query().none(); }
  static Query<M> left_joins(std::string association) { return query().left_joins(std::move(association)); }
  static M sole() { return query().sole(); }
  static AsyncResult<M> async_sole() { return query().async_sole(); }
  template <class T = std::int64_t>
  static std::vector<T> ids() { return query().template ids<T>(); }
  template <class T = std::int64_t>
  static AsyncResult<std::vector<T>> async_ids() { return query().template async_ids<T>(); }

  static std::optional<M> find(const Value& id) { return query().find(id); }
  static AsyncResult<std::optional<M>> async_find(const Value& id) { return query().async_find(id); }
  static M find_or_throw(const Value& id) { return query().find_or_throw(id); }
  static AsyncResult<M> async_find_or_throw(const Value& id) { return query().async_find_or_throw(id); }
  static std::optional<M> find_by(const Conditions& c) { return query().find_by(c); }
  static AsyncResult<std::optional<M>> async_find_by(const Conditions& c) { return query().async_find_by(c); }
  static M find_by_or_throw(const Conditions& c) { return query().find_by_or_throw(c); }
  static AsyncResult<M> async_find_by_or_throw(const Conditions& c) { return query().async_find_by_or_throw(c); }
  static std::optional<M> first() { return query().first(); }
  static AsyncResult<std::optional<M>> async_first() { return query().async_first(); }
  static M first_or_throw() { return query().first_or_throw(); }
  static AsyncResult<M> async_first_or_throw() { return query().async_first_or_throw(); }
  static std::optional<M> last() { return query().last(); }
  static AsyncResult<std::optional<M>> async_last() { return query().async_last(); }
  static M last_or_throw() { return query().last_or_throw(); }
  static AsyncResult<M> async_last_or_throw() { return query().async_last_or_throw(); }
  static std::vector<M> all() { return query().all(); }
  static AsyncResult<std::vector<M>> async_all() { return query().async_all(); }
  static Rows rows() { return query().rows(); }
  static AsyncResult<Rows> async_rows() { return query().async_rows(); }
  static void find_each(std::size_t batch_size, const std::function<void(M&)>& fn) {
    query().find_each(batch_size, fn);
  }

  static bool exists() { return query().exists(); }
  static AsyncResult<bool> async_exists() { return query().async_exists(); }
  static bool exists(const Conditions& c) { return query().exists(c); }
  static AsyncResult<bool> async_exists(const Conditions& c) { return query().async_exists(c); }
  static std::int64_t count() { return query().count(); }
  static AsyncResult<std::int64_t> async_count() { return query().async_count(); }
  template <class T = double>
  static T sum(Expr column) { return query().template sum<T>(std::move(column)); }
  template <class T = double>
  static AsyncResult<T> async_sum(Expr column) { return query().template async_sum<T>(std::move(column)); }
  static std::optional<double> avg(Expr column) { return query().avg(std::move(column)); }
  static AsyncResult<std::optional<double>> async_avg(Expr column) { return query().async_avg(std::move(column)); }
  template <class T = Value>
  static std::optional<T> min(Expr column) { return query().template min<T>(std::move(column)); }
  template <class T = Value>
  static AsyncResult<std::optional<T>> async_min(Expr column) {
    return query().template async_min<T>(std::move(column));
  }
  template <class T = Value>
  static std::optional<T> max(Expr column) { return query().template max<T>(std::move(column)); }
  template <class T = Value>
  static AsyncResult<std::optional<T>> async_max(Expr column) {
    return query().template async_max<T>(std::move(column));
  }
  template <class T = Value>
  static std::vector<T> pluck(Expr column) { return query().template pluck<T>(std::move(column)); }
  template <class T = Value>
  static AsyncResult<std::vector<T>> async_pluck(Expr column) {
    return query().template async_pluck<T>(std::move(column));
  }
  template <class T = Value>
  static std::optional<T> pick(Expr column) { return query().template pick<T>(std::move(column)); }
  template <class T = Value>
  static AsyncResult<std::optional<T>> async_pick(Expr column) {
    return query().template async_pick<T>(std::move(column));
  }
  static std::int64_t update_all(const Attributes& values) { return query().update_all(values); }
  static AsyncResult<std::int64_t> async_update_all(const Attributes& values) { return query().async_update_all(values); }
  static std::int64_t delete_all() { return query().delete_all(); }
  static AsyncResult<std::int64_t> async_delete_all() { return query().async_delete_all(); }

  /// A new record with `values`, saved (check persisted() / errors()).
  static M create(const Attributes& values) { return query().create(values); }
  static AsyncResult<M> async_create(const Attributes& values) { return query().async_create(values); }
  static M create_or_throw(const Attributes& values) { return query().create_or_throw(values); }
  static AsyncResult<M> async_create_or_throw(const Attributes& values) { return query().async_create_or_throw(values); }

  /// Bulk writes on M's shard (Query::insert_all / upsert_all; no validations or callbacks).
  static BulkResult insert_all(const std::vector<M>& records) { return query().insert_all(records); }
  static AsyncResult<BulkResult> async_insert_all(const std::vector<M>& records) { return query().async_insert_all(records); }
  static BulkResult upsert_all(const std::vector<M>& records, const std::vector<std::string>& unique_by) {
    return query().upsert_all(records, unique_by);
  }
  static AsyncResult<BulkResult> async_upsert_all(const std::vector<M>& records, const std::vector<std::string>& unique_by) {
    return query().async_upsert_all(records, unique_by);
  }

  /// Runs `fn` in a transaction on M's shard (Shard::transaction: nesting -> savepoints,
  /// an exception rolls back and is rethrown, grant::Rollback rolls back quietly).
  static void transaction(const std::function<void()>& fn) {
    Runtime::current().shard(orm::table_info<M>().shard).transaction(fn);
  }

  /// Creates / drops M's table on M's shard, or on `shard`.
  static Migrator migrator() { return Migrator(orm::table_info<M>(), orm::table_info<M>().shard); }
  static Migrator migrator(std::string shard) { return Migrator(orm::table_info<M>(), std::move(shard)); }

  // ---- instance level -----------------------------------------------------------------

  /// Inserts or updates; false (and nothing written) if validation fails or a callback aborts.
  bool save() { return write(Write::save, false, nullptr, false).await(); }
  AsyncResult<bool> async_save() { return write(Write::save, false, nullptr, true); }
  /// As save(), but RecordInvalid (listing the errors) / RecordNotSaved instead of false.
  bool save_or_throw() { return write(Write::save, true, nullptr, false).await(); }
  AsyncResult<bool> async_save_or_throw() { return write(Write::save, true, nullptr, true); }

  /// Assigns `values` (UnknownColumn / ConversionError before anything changes), then saves.
  bool update(const Attributes& values) { return write(Write::save, false, &values, false).await(); }
  AsyncResult<bool> async_update(const Attributes& values) { return write(Write::save, false, &values, true); }
  bool update_or_throw(const Attributes& values) { return write(Write::save, true, &values, false).await(); }
  AsyncResult<bool> async_update_or_throw(const Attributes& values) { return write(Write::save, true, &values, true); }

  /// Deletes the row; false if a before_destroy callback aborted, the record is new, or no
  /// row was deleted.
  bool destroy() { return write(Write::destroy, false, nullptr, false).await(); }
  AsyncResult<bool> async_destroy() { return write(Write::destroy, false, nullptr, true); }
  bool destroy_or_throw() { return write(Write::destroy, true, nullptr, false).await(); }
  AsyncResult<bool> async_destroy_or_throw() { return write(Write::destroy, true, nullptr, true); }

  /// Runs the validations (and their callbacks) without saving; fills errors().
  bool valid() { return write(Write::validate, false, nullptr, false).await(); }

  /// Reads the row again (by primary key, from the record's shard): database defaults,
  /// other writers' changes. Throws querying::NotFound if it is gone.
  void reload() {
    const auto& t = orm::table_info<M>();
    orm::Adapter<M> a(self());
    Value key = a.get(t.pk_index());
    if (!orm::RecordAccess::snapshot(*this).empty()) key = orm::RecordAccess::snapshot(*this)[t.pk_index()];
    self() = Query<M>().unscoped().shard(orm::shard_of(a)).find_or_throw(key);
  }

  /// Reads the row again with a row lock (SELECT ... FOR UPDATE; see Query::lock), inside
  /// the caller's open transaction on the record's shard (grant::Error outside one); unsaved
  /// changes are replaced by the stored values. Throws querying::NotFound if the row is gone.
  void lock(LockMode mode = LockMode::wait) {
    const auto& t = orm::table_info<M>();
    orm::Adapter<M> a(self());
    Value key = a.get(t.pk_index());
    if (!orm::RecordAccess::snapshot(*this).empty()) key = orm::RecordAccess::snapshot(*this)[t.pk_index()];
    self() = Query<M>().unscoped().shard(orm::shard_of(a)).lock(mode).find_or_throw(key);
  }
  /// Opens a transaction on the record's shard, lock()s the record and runs fn() (which
  /// may change and save it): commit when fn returns, rollback and rethrow on an exception
  /// (Shard::transaction rules; inside an open transaction it becomes a savepoint).
  void with_lock(const std::function<void()>& fn, LockMode mode = LockMode::wait) {
    Runtime::current().shard(orm::shard_of(orm::Adapter<M>(self()))).transaction([&] {
      lock(mode);
      fn();
    });
  }

  /// Columns whose value differs from the one loaded or saved last (for a new record: from
  /// a default-constructed one).
  std::vector<std::string> changed() const {
    std::vector<std::string> out;
    orm::Adapter<M> a(self());
    for (auto i : orm::changed_columns(a)) out.push_back(a.table().columns[i].name);
    return out;
  }
  bool changed(std::string_view column) const {
    auto names = changed();
    return std::find(names.begin(), names.end(), column) != names.end();
  }
  bool has_changes() const { return !changed().empty(); }
  /// column -> {old value, new value}.
  std::map<std::string, std::pair<Value, Value>> changes() const { return orm::changes(orm::Adapter<M>(self())); }

  /// Assigns {{"column", value}} without saving (UnknownColumn / ConversionError).
  void assign(const Attributes& values) {
    orm::Adapter<M> a(self());
    orm::assign(a, values);
  }
  /// The value of one column as a grant::Value (UnknownColumn).
  Value get(std::string_view column) const {
    orm::Adapter<M> a(self());
    return a.get(a.table().column_index(column));
  }

  /// The records of association `name`, as a query on this record's shard:
  /// user.related<Post>("posts").order("id").all(), post.related<User>("user").first().
  /// A new record (no key yet) relates to nothing.
  template <class T>
  Query<T> related(std::string_view name) const {
    orm::QuerySpec spec = Query<T>().spec();
    try {
      const orm::TableInfo& t = orm::table_info<M>();
      const orm::AssociationInfo& a = t.association(name);
      if (&a.target() != &orm::table_info<T>())
        throw Error(t.model + ": association \"" + a.name + "\" is of " + a.target().model + ", not " +
                    orm::table_info<T>().model);
      Value key = orm::Adapter<M>(self()).get(t.column_index(a.owner_column(t)));
      if (key.is_null()) spec.and_where(orm::Predicate::compare(a.target_column(), Op::in, Operand(std::vector<Value>{})));
      else spec.and_where(orm::Predicate::compare(a.target_column(), Op::eq, key));
      if (!shard_name().empty()) spec.shard = shard_name();
    } catch (...) {
      spec.error = std::current_exception();
    }
    return Query<T>(std::move(spec));
  }

  /// The records includes(name) loaded with this record (0 or 1 for belongs_to / has_one).
  /// Throws grant::Error if the association was not included.
  template <class T>
  const std::vector<T>& loaded(std::string_view name) const {
    const auto& map = orm::RecordAccess::loaded(*this);
    auto it = map.find(name);
    const auto& model = orm::table_info<M>().model;
    if (it == map.end())
      throw Error(model + ": association \"" + std::string(name) + "\" was not loaded; query with includes(\"" +
                  std::string(name) + "\")");
    auto p = std::any_cast<std::shared_ptr<const std::vector<T>>>(&it->second);
    if (!p) throw Error(model + ": association \"" + std::string(name) + "\" does not hold this model type");
    return **p;
  }

 private:
  enum class Write { save, destroy, validate };

  M& self() { return static_cast<M&>(*this); }
  const M& self() const { return static_cast<const M&>(*this); }

  /// The one path of every record write: copy into the job, run there, copy back at the
  /// first await (see the ownership rule above).
  AsyncResult<bool> write(Write what, bool or_throw, const Attributes* values, bool async) {
    std::shared_ptr<M> copy;
    std::string shard;
    try {
      copy = std::make_shared<M>(self());
      orm::Adapter<M> a(*copy);
      if (values) orm::assign(a, *values);
      shard = orm::shard_of(a);
    } catch (...) {
      return AsyncResult<bool>::failed(std::current_exception());
    }
    auto result = Shard::run_on(
        shard,
        [copy, what, or_throw](Connection& c) {
          orm::Adapter<M> a(*copy);
          try {
            switch (what) {
              case Write::destroy: return orm::destroy(c, a, or_throw);
              case Write::validate: return orm::validate(c, a);
              default: return orm::save(c, a, or_throw);
            }
          } catch (const DatabaseError& e) {
            const char* op = what == Write::destroy ? ".destroy()" : what == Write::validate ? ".valid()" : ".save()";
            rethrow_with_operation(e, a.table().model + op);
          }
        },
        async);
    result.promise().set_on_first_finish([copy, target = &self()] { *target = *copy; });
    return result;
  }
};

}  // namespace grant
