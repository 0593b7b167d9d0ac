// grant::Schema<M> — how a model names its table, columns, key, timestamps, associations,
// validations and callbacks. Written once in the model's `static auto schema()`, built on
// first use and cached for the process (a function-local static):
//
//   struct User : grant::Model<User> {
//     std::optional<std::int64_t> id;
//     std::string email;
//     std::int64_t views = 0;
//     std::optional<grant::Time> created_at, updated_at;
//     static auto schema() {
//       return grant::Schema<User>("users").primary_key().timestamps()
//           .columns("email", &User::email, "views", &User::views)
//           .has_many<Post>("posts")
//           .validate("email", grant::presence{});
//     }
//   };
//
// Column types: bool, integers (int32 and smaller -> INTEGER, int64 -> BIGINT), float/double,
// std::string, grant::Bytes, grant::Time, grant::Date, grant::Decimal, enums (stored as
// their integer, or as text with column(name, member, to_text, from_text)), and
// std::optional<T> of any of them for a NULL-able column. Non-optional columns are NOT NULL.
//
// Associations may name a model that is declared (`struct Post;`) but defined later in the
// file: it is only looked at when first used.
//
// Callbacks: before_validation, after_validation, before_save, after_save, before_create,
// after_create, before_update, after_update, before_destroy, after_destroy; each takes
// `bool(M&)` or `void(M&)` (a lambda or a member function pointer). A before_* callback
// returning false aborts (save() returns false, *_or_throw throws RecordNotSaved /
// RecordNotDestroyed). Order and threading: see model.hpp.
#pragma once

#include <grant/errors.hpp>
#include <grant/orm/persistence.hpp>
#include <grant/orm/query_spec.hpp>
#include <grant/orm/table.hpp>
#include <grant/record.hpp>
#include <grant/validations.hpp>

#include <any>
#include <array>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <typeinfo>
#include <utility>
#include <vector>

namespace grant {

template <class M>
class Schema;
template <class M>
class Query;

namespace orm {

/// The model's schema, built by M::schema() on first use and kept for the process.
template <class M>
const Schema<M>& schema_of();

template <class M>
const TableInfo& table_info() {
  return schema_of<M>().info();
}

/// includes() loader for target model T (defined in query.hpp).
template <class T>
std::vector<std::any> preload_targets(Connection& c, const AssociationInfo& a, const std::vector<Value>& keys);

template <class T>
struct unwrap_optional {
  using type = T;
  static constexpr bool nullable = false;
};
template <class T>
struct unwrap_optional<std::optional<T>> {
  using type = T;
  static constexpr bool nullable = true;
};

template <class T>
constexpr ColumnType column_type_of() {
  if constexpr (std::is_same_v<T, bool>) return ColumnType::boolean;
  else if constexpr (std::is_enum_v<T>) return sizeof(T) <= 4 ? ColumnType::int32 : ColumnType::int64;
  else if constexpr (std::is_integral_v<T>) return sizeof(T) <= 4 ? ColumnType::int32 : ColumnType::int64;
  else if constexpr (std::is_floating_point_v<T>) return ColumnType::real;
  else if constexpr (std::is_same_v<T, std::string>) return ColumnType::text;
  else if constexpr (std::is_same_v<T, Bytes>) return ColumnType::bytes;
  else if constexpr (std::is_same_v<T, Time>) return ColumnType::time;
  else if constexpr (std::is_same_v<T, Date>) return ColumnType::date;
  else if constexpr (std::is_same_v<T, Decimal>) return ColumnType::decimal;
  else static_assert(sizeof(T) == 0, "grant::Schema: unsupported column type");
}

template <class T>
Value to_value(const T& v) {
  if constexpr (unwrap_optional<T>::nullable) return v ? to_value(*v) : Value();
  else if constexpr (std::is_same_v<T, bool>) return Value(v);
  else if constexpr (std::is_enum_v<T> || std::is_integral_v<T>) return Value(static_cast<long long>(v));
  else return Value(v);
}

/// Reads and writes one member as a Value.
template <class M>
struct ColumnAccess {
  std::function<Value(const M&)> get;
  std::function<void(M&, const Value&)> set;
};

template <class M>
class Adapter;

}  // namespace orm

template <class M>
class Schema {
 public:
  /// A model stored in `table` (on shard "primary" unless shard() says otherwise).
  explicit Schema(std::string table) {
    info_.table = std::move(table);
    info_.model = orm::model_name(typeid(M));
  }

  /// Maps `member` to column `name`.
  template <class T>
  Schema& column(std::string name, T M::*member) {
    using U = typename orm::unwrap_optional<T>::type;
    add(std::move(name), orm::column_type_of<U>(), orm::unwrap_optional<T>::nullable,
        {[member](const M& m) { return orm::to_value(m.*member); },
         [member](M& m, const Value& v) { m.*member = v.template as<T>(); }});
    return *this;
  }

  /// Maps `member` (an enum, or std::optional of one) to a text column through
  /// `to_text(E) -> std::string` and `from_text(std::string) -> E`.
  template <class T, class To, class From>
  Schema& column(std::string name, T M::*member, To to_text, From from_text) {
    constexpr bool nullable = orm::unwrap_optional<T>::nullable;
    add(std::move(name), ColumnType::text, nullable,
        {[member, to_text](const M& m) -> Value {
           if constexpr (nullable) {
             if (!(m.*member)) return Value();
             return Value(std::string(to_text(*(m.*member))));
           } else {
             return Value(std::string(to_text(m.*member)));
           }
         },
         [member, from_text](M& m, const Value& v) {
           if constexpr (nullable) {
             if (v.is_null()) m.*member = std::nullopt;
             else m.*member = from_text(v.template as<std::string>());
           } else {
             m.*member = from_text(v.template as<std::string>());
           }
         }});
    return *this;
  }

  /// Several columns at once: columns("email", &User::email, "name", &User::name, ...).
  template <class T, class... Rest>
  Schema& columns(std::string name, T M::*member, Rest... rest) {
    column(std::move(name), member);
    if constexpr (sizeof...(rest) > 0) columns(rest...);
    return *this;
  }

  /// The primary key. A std::optional of an integer is generated by the database (auto
  /// increment; unset until the first save); any other type is a natural key the record sets.
  template <class T>
  Schema& primary_key(std::string name, T M::*member) {
    column(std::move(name), member);
    auto& c = info_.columns.back();
    c.primary_key = true;
    c.auto_increment = orm::unwrap_optional<T>::nullable && std::is_integral_v<typename orm::unwrap_optional<T>::type>;
    info_.primary_key = info_.columns.size() - 1;
    return *this;
  }
  /// primary_key("id", &M::id).
  Schema& primary_key() { return primary_key("id", &M::id); }

  /// created_at (set on insert) and updated_at (set on every update that changes something),
  /// UTC with microseconds, set by the library unless already set on insert.
  template <class T>
  Schema& timestamps(T M::*created_at, T M::*updated_at) {
    column("created_at", created_at);
    info_.created_at = info_.columns.size() - 1;
    column("updated_at", updated_at);
    info_.updated_at = info_.columns.size() - 1;
    return *this;
  }
  /// timestamps(&M::created_at, &M::updated_at).
  Schema& timestamps() { return timestamps(&M::created_at, &M::updated_at); }

  /// Optimistic locking through integer column `name`: every update and destroy of a record
  /// requires the row to still hold the record's value (WHERE ... AND lock_version = ?),
  /// an update writes value + 1, and a lost race throws grant::StaleObject. The check uses
  /// the member's current value, so a value carried through a form round trip works too.
  /// update_all / update_columns / insert_all do not check or bump it.
  template <class T>
  Schema& lock_version(std::string name, T M::*member) {
    static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>, "grant::Schema: lock_version must be an integer");
    column(std::move(name), member);
    info_.lock_version = info_.columns.size() - 1;
    return *this;
  }
  /// lock_version("lock_version", &M::lock_version).
  Schema& lock_version() { return lock_version("lock_version", &M::lock_version); }

  /// DEFAULT for the last column declared (used by the migrator): a value...
  Schema& default_value(Value v) {
    last_column().default_value = std::move(v);
    return *this;
  }
  /// ...or a raw SQL expression such as "CURRENT_TIMESTAMP".
  Schema& default_sql(std::string sql) {
    last_column().default_sql = std::move(sql);
    return *this;
  }

  /// The shard this model reads and writes unless a query or record says otherwise.
  Schema& shard(std::string name) {
    info_.shard = std::move(name);
    return *this;
  }

  /// This model holds `<name>_id` pointing at a T.
  template <class T>
  Schema& belongs_to(std::string name, std::string foreign_key = {}) {
    return associate<T>(orm::AssociationKind::belongs_to, name, foreign_key.empty() ? name + "_id" : foreign_key);
  }
  /// One T holds `<this model>_id` pointing here.
  template <class T>
  Schema& has_one(std::string name, std::string foreign_key = {}) {
    return associate<T>(orm::AssociationKind::has_one, std::move(name), default_fk(std::move(foreign_key)));
  }
  /// Many T hold `<this model>_id` pointing here (e.g. Post.user_id for User has_many posts).
  template <class T>
  Schema& has_many(std::string name, std::string foreign_key = {}) {
    return associate<T>(orm::AssociationKind::has_many, std::move(name), default_fk(std::move(foreign_key)));
  }

  /// A column validator (validations.hpp): validate("email", grant::presence{}).
  template <class V>
  Schema& validate(std::string column, V validator) {
    validators_.push_back(Validator{std::move(column),
                                    [validator](const Value& v, orm::ValidationContext& ctx) { validator(v, ctx); }, {}});
    return *this;
  }
  /// A record validator: fn(const M&, grant::Errors&) adds errors.
  template <class F>
  Schema& validate(F fn) {
    validators_.push_back(Validator{{}, {}, [fn](const M& m, Errors& e) { fn(m, e); }});
    return *this;
  }

  template <class F> Schema& before_validation(F f) { return on(orm::Callback::before_validation, std::move(f)); }
  template <class F> Schema& after_validation(F f) { return on(orm::Callback::after_validation, std::move(f)); }
  template <class F> Schema& before_save(F f) { return on(orm::Callback::before_save, std::move(f)); }
  template <class F> Schema& after_save(F f) { return on(orm::Callback::after_save, std::move(f)); }
  template <class F> Schema& before_create(F f) { return on(orm::Callback::before_create, std::move(f)); }
  template <class F> Schema& after_create(F f) { return on(orm::Callback::after_create, std::move(f)); }
  template <class F> Schema& before_update(F f) { return on(orm::Callback::before_update, std::move(f)); }
  template <class F> Schema& after_update(F f) { return on(orm::Callback::after_update, std::move(f)); }
  template <class F> Schema& before_destroy(F f) { return on(orm::Callback::before_destroy, std::move(f)); }
  template <class F> Schema& after_destroy(F f) { return on(orm::Callback::after_destroy, std::move(f)); }

  /// A named scope: `fn(query) -> query` adds conditions, order, limits... to the query it
  /// is given (and must build on it, not on M::query(), which would apply the default scope
  /// again). Applied with Query::scoped(name) / M::scoped(name); chainable.
  template <class F>
  Schema& scope(std::string name, F fn) {
    if (find_scope(name)) throw Error(info_.model + ": scope \"" + name + "\" is declared twice");
    scopes_.emplace_back(std::move(name), std::function<Query<M>(const Query<M>&)>(std::move(fn)));
    return *this;
  }
  /// The default scope: applied to every query that starts from M (M::where, M::all,
  /// M::query(), associations' queries of M...), removed by unscoped(). `fn` as for scope().
  template <class F>
  Schema& default_scope(F fn) {
    default_scope_ = std::move(fn);
    return *this;
  }
  /// The scope named `name`, or null.
  const std::function<Query<M>(const Query<M>&)>* find_scope(std::string_view name) const {
    for (const auto& [n, fn] : scopes_)
      if (n == name) return &fn;
    return nullptr;
  }
  /// Names of the declared scopes (for messages).
  std::string scope_names() const {
    std::string out;
    for (const auto& s : scopes_) out += (out.empty() ? "" : ", ") + s.first;
    return out.empty() ? "(none)" : out;
  }
  const std::function<Query<M>(const Query<M>&)>& default_scope() const { return default_scope_; }

  /// The non-template description of the table.
  const orm::TableInfo& info() const { return info_; }

  /// Value of column `i` of `m` / assigns it (ConversionError on a value of the wrong kind).
  Value get(const M& m, std::size_t i) const { return access_[i].get(m); }
  void set(M& m, std::size_t i, const Value& v) const { access_[i].set(m, v); }

 private:
  friend class orm::Adapter<M>;
  friend const Schema<M>& orm::schema_of<M>();

  struct Validator {
    std::string column;                                                 // column validators
    std::function<void(const Value&, orm::ValidationContext&)> check;
    std::function<void(const M&, Errors&)> record;                      // record validators
  };

  void add(std::string name, ColumnType type, bool nullable, orm::ColumnAccess<M> access) {
    if (info_.find_column(name)) throw Error(info_.model + ": column \"" + name + "\" is declared twice");
    orm::ColumnInfo c;
    c.name = std::move(name);
    c.type = type;
    c.nullable = nullable;
    info_.columns.push_back(std::move(c));
    access_.push_back(std::move(access));
  }

  orm::ColumnInfo& last_column() {
    if (info_.columns.empty()) throw Error(info_.model + ": default_value/default_sql before any column");
    return info_.columns.back();
  }

  std::string default_fk(std::string fk) const { return fk.empty() ? orm::snake_case(info_.model) + "_id" : fk; }

  template <class T>
  Schema& associate(orm::AssociationKind kind, std::string name, std::string fk) {
    orm::AssociationInfo a;
    a.name = std::move(name);
    a.kind = kind;
    a.foreign_key = std::move(fk);
    a.target = &orm::table_info<T>;
    a.preload = &orm::preload_targets<T>;
    info_.associations.push_back(std::move(a));
    return *this;
  }

  template <class F>
  Schema& on(orm::Callback kind, F f) {
    callbacks_[static_cast<std::size_t>(kind)].push_back([f = std::move(f)](M& m) -> bool {
      if constexpr (std::is_same_v<std::invoke_result_t<F&, M&>, void>) {
        std::invoke(f, m);
        return true;
      } else {
        return static_cast<bool>(std::invoke(f, m));
      }
    });
    return *this;
  }

  /// Called once by schema_of(): checks names, records the defaults of a fresh record.
  void finish() {
    for (const auto& v : validators_)
      if (!v.column.empty()) info_.column_index(v.column);
    if (info_.created_at && info_.updated_at) {
      for (auto i : {*info_.created_at, *info_.updated_at})
        if (info_.columns[i].type != ColumnType::time)
          throw Error(info_.model + ": timestamp column \"" + info_.columns[i].name + "\" is not a grant::Time");
    }
    M fresh{};
    for (std::size_t i = 0; i < access_.size(); ++i) defaults_.push_back(access_[i].get(fresh));
  }

  orm::TableInfo info_;
  std::vector<orm::ColumnAccess<M>> access_;
  std::vector<Validator> validators_;
  std::array<std::vector<std::function<bool(M&)>>, orm::callback_kinds> callbacks_;
  std::vector<Value> defaults_;
  std::vector<std::pair<std::string, std::function<Query<M>(const Query<M>&)>>> scopes_;
  std::function<Query<M>(const Query<M>&)> default_scope_;
};

namespace orm {

template <class M>
const Schema<M>& schema_of() {
  static const Schema<M> schema = [] {
    Schema<M> s = M::schema();
    s.finish();
    return s;
  }();
  return schema;
}

/// The RecordAdapter of one model: what the persistence core sees of an M.
template <class M>
class Adapter final : public RecordAdapter {
 public:
  explicit Adapter(M& m) : m_(m), s_(schema_of<M>()) {}
  /// For read-only use (get/state/changes) of a const record.
  explicit Adapter(const M& m) : m_(const_cast<M&>(m)), s_(schema_of<M>()) {}

  const TableInfo& table() const override { return s_.info_; }
  Value get(std::size_t i) const override { return s_.access_[i].get(m_); }
  void set(std::size_t i, const Value& v) override {
    try {
      s_.access_[i].set(m_, v);
    } catch (const ConversionError& e) {
      throw ConversionError(s_.info_.model + "." + s_.info_.columns[i].name + ": " + e.what());
    }
  }
  RecordState& state() override { return m_; }
  const RecordState& state() const override { return m_; }
  const std::vector<Value>& defaults() const override { return s_.defaults_; }
  bool run_callbacks(Callback kind) override {
    for (const auto& f : s_.callbacks_[static_cast<std::size_t>(kind)])
      if (!f(m_)) return false;
    return true;
  }
  bool has_callbacks(Callback kind) const override { return !s_.callbacks_[static_cast<std::size_t>(kind)].empty(); }
  void run_validations(ValidationContext& ctx) override {
    for (const auto& v : s_.validators_) {
      if (v.record) {
        v.record(m_, ctx.errors);
      } else {
        ctx.column = v.column;
        v.check(get(s_.info_.column_index(v.column)), ctx);
      }
    }
    ctx.column.clear();
  }

 private:
  M& m_;
  const Schema<M>& s_;
};

}  // namespace orm
}  // namespace grant
