// The persistence core: save (insert or update), destroy, dirty tracking, validation and
// callback order. Runs inside a job, on the job's connection; every model goes through here
// via its RecordAdapter (include/grant/schema.hpp).
#include <boost/algorithm/string/predicate.hpp>
#include <grant/errors.hpp>
#include <grant/orm/persistence.hpp>
#include <grant/orm/sql.hpp>

#include <boost/algorithm/string/predicate.hpp>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <unordered_map>

namespace grant::orm {

void RecordAccess::mark_loaded(RecordState& s, std::string shard, std::vector<Value> snapshot) {
  s.new_record_ = false;
  s.destroyed_ = false;
  s.shard_ = std::move(shard);
  s.snapshot_ = std::move(snapshot);
}

void RecordAccess::mark_saved(RecordState& s, std::string shard, std::vector<Value> snapshot) {
  mark_loaded(s, std::move(shard), std::move(snapshot));
}

void RecordAccess::mark_destroyed(RecordState& s) { s.destroyed_ = true; }

Value ValidationContext::value_of(std::string_view name) const {
  return record.get(record.table().column_index(name));
}

std::vector<Value> values_of(const RecordAdapter& record) {
  std::vector<Value> out;
  const auto n = record.table().columns.size();
  out.reserve(n);
  for (std::size_t i = 0; i < n; ++i) out.push_back(record.get(i));
  return out;
}

std::vector<std::size_t> changed_columns(const RecordAdapter& record) {
  const auto& snapshot = RecordAccess::snapshot(record.state());
  const auto& base = snapshot.empty() ? record.defaults() : snapshot;
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < record.table().columns.size(); ++i)
    if (i >= base.size() || !(record.get(i) == base[i])) out.push_back(i);
  return out;
}

std::map<std::string, std::pair<Value, Value>> changes(const RecordAdapter& record) {
  const auto& snapshot = RecordAccess::snapshot(record.state());
  const auto& base = snapshot.empty() ? record.defaults() : snapshot;
  std::map<std::string, std::pair<Value, Value>> out;
  for (std::size_t i : changed_columns(record))
    out.emplace(record.table().columns[i].name, std::pair{i < base.size() ? base[i] : Value{}, record.get(i)});
  return out;
}

void assign(RecordAdapter& record, const Attributes& attributes) {
  std::vector<std::size_t> index;
  index.reserve(attributes.size());
  for (const auto& [name, value] : attributes) index.push_back(record.table().column_index(name));
  for (std::size_t i = 0; i < attributes.size(); ++i) record.set(index[i], attributes[i].second);
}

const std::string& shard_of(const RecordAdapter& record) {
  const auto& own = record.state().shard_name();
  return own.empty() ? record.table().shard : own;
}

namespace {

Time now() { return std::chrono::time_point_cast<std::chrono::microseconds>(std::chrono::system_clock::now()); }

/// The key that identifies the stored row: the value as loaded (a natural key may have been
/// edited since), else the current one.
Value stored_key(const RecordAdapter& r) {
  const auto& snapshot = RecordAccess::snapshot(r.state());
  const std::size_t pk = r.table().pk_index();
  return pk < snapshot.size() ? snapshot[pk] : r.get(pk);
}

bool any_after(const RecordAdapter& r, std::initializer_list<Callback> kinds) {
  return std::any_of(kinds.begin(), kinds.end(), [&](Callback k) { return r.has_callbacks(k); });
}

/// Runs `body` in a transaction when after-callbacks exist (so that an exception in one of
/// them undoes the write, as in Rails) and the connection is not already in one.
template <class F>
bool in_transaction_if(Connection& c, bool wanted, F&& body) {
  if (!wanted || c.in_transaction()) return body();
  c.begin();
  try {
    bool ok = body();
    if (ok) c.commit();
    else c.rollback();
    return ok;
  } catch (...) {
    try {
      c.rollback();
    } catch (...) {
    }
    throw;
  }
}

std::string where_am_i(const RecordAdapter& r, const Connection& c) {
  return " (" + r.table().model + ", table " + r.table().table + ", shard " + c.shard() + ")";
}

bool aborted(const RecordAdapter& r, const Connection& c, bool or_throw, const char* callback) {
  if (or_throw) throw RecordNotSaved("save aborted by a " + std::string(callback) + " callback" + where_am_i(r, c));
  return false;
}

bool run_validation(Connection& c, RecordAdapter& r) {
  RecordState& st = r.state();
  st.errors().clear();
  if (!r.run_callbacks(Callback::before_validation)) return false;
  ValidationContext ctx{c, r, st.errors(), {}};
  r.run_validations(ctx);
  r.run_callbacks(Callback::after_validation);
  return st.errors().empty();
}

bool create(Connection& c, RecordAdapter& r, bool or_throw) {
  const TableInfo& t = r.table();
  if (!r.run_callbacks(Callback::before_save)) return aborted(r, c, or_throw, "before_save");
  if (!r.run_callbacks(Callback::before_create)) return aborted(r, c, or_throw, "before_create");
  const Time stamp = now();
  for (auto col : {t.created_at, t.updated_at})
    if (col && r.get(*col).is_null()) r.set(*col, Value(stamp));
  std::vector<std::size_t> columns;
  std::vector<Value> values;
  bool generate_key = false;
  for (std::size_t i = 0; i < t.columns.size(); ++i) {
    Value v = r.get(i);
    const ColumnInfo& col = t.columns[i];
    if (v.is_null() && col.primary_key && col.auto_increment) {
      generate_key = true;
      continue;
    }
    if (v.is_null() && col.nullable) continue;  // unset: let the database default apply
    columns.push_back(i);
    values.push_back(std::move(v));
  }
  Statement stmt = sql::insert(t, c.dialect(), columns, values);
  if (generate_key) {
    std::int64_t id = c.insert(stmt, t.pk().name);
    r.set(t.pk_index(), Value(id));
  } else {
    c.exec(stmt);
  }
  RecordAccess::mark_saved(r.state(), c.shard(), values_of(r));
  r.run_callbacks(Callback::after_create);
  r.run_callbacks(Callback::after_save);
  return true;
}

bool update(Connection& c, RecordAdapter& r, bool or_throw) {
  const TableInfo& t = r.table();
  if (!r.run_callbacks(Callback::before_save)) return aborted(r, c, or_throw, "before_save");
  if (!r.run_callbacks(Callback::before_update)) return aborted(r, c, or_throw, "before_update");
  std::vector<std::size_t> columns = changed_columns(r);
  if (!columns.empty()) {
    if (t.updated_at && std::find(columns.begin(), columns.end(), *t.updated_at) == columns.end()) {
      r.set(*t.updated_at, Value(now()));
      columns.push_back(*t.updated_at);
    }
    std::optional<Value> version;
    if (t.lock_version) {
      version = r.get(*t.lock_version);
      r.set(*t.lock_version, Value(version->as<std::int64_t>() + 1));
      if (std::find(columns.begin(), columns.end(), *t.lock_version) == columns.end()) columns.push_back(*t.lock_version);
    }
    std::vector<Value> values;
    for (auto i : columns) values.push_back(r.get(i));
    Statement stmt = version ? sql::update_locked(t, c.dialect(), columns, values, stored_key(r), *version)
                             : sql::update(t, c.dialect(), columns, values, stored_key(r));
    std::int64_t n = c.exec(stmt);
    if (n == 0 && version) throw StaleObject(t.model, stored_key(r).to_string(), c.shard(), stmt.sql);
    if (n == 0) {
      if (or_throw) throw RecordNotSaved("no row to update: it was deleted" + where_am_i(r, c));
      r.state().errors().add("base", "was deleted by someone else");
      return false;
    }
  }
  RecordAccess::mark_saved(r.state(), c.shard(), values_of(r));
  r.run_callbacks(Callback::after_update);
  r.run_callbacks(Callback::after_save);
  return true;
}

}  // namespace

bool validate(Connection& c, RecordAdapter& record) { return run_validation(c, record); }

bool save(Connection& c, RecordAdapter& r, bool or_throw) {
  const TableInfo& t = r.table();
  if (r.state().destroyed()) {
    if (or_throw) throw RecordNotSaved("cannot save a destroyed record" + where_am_i(r, c));
    return false;
  }
  const bool creating = r.state().new_record();
  const bool wrap = any_after(r, {Callback::after_save, creating ? Callback::after_create : Callback::after_update});
  // If anything throws, the write did not happen (or was rolled back): put back what the
  // library set (key, timestamps, persisted state) so the record says so. Errors stay.
  const RecordState before = r.state();
  std::vector<std::pair<std::size_t, Value>> library_set;
  for (auto col : {t.primary_key, t.created_at, t.updated_at, t.lock_version})
    if (col) library_set.emplace_back(*col, r.get(*col));
  try {
    return in_transaction_if(c, wrap, [&] {
      if (!run_validation(c, r)) {
        if (!r.state().errors().empty()) {
          if (or_throw) throw RecordInvalid(t.model, r.state().errors().full_messages());
          return false;
        }
        return aborted(r, c, or_throw, "before_validation");
      }
      return creating ? create(c, r, or_throw) : update(c, r, or_throw);
    });
  } catch (...) {
    Errors errors = r.state().errors();
    r.state() = before;
    r.state().errors() = std::move(errors);
    for (const auto& [col, value] : library_set) r.set(col, value);
    throw;
  }
}

bool destroy(Connection& c, RecordAdapter& r, bool or_throw) {
  auto fail = [&](const std::string& why) {
    if (or_throw) throw RecordNotDestroyed(why + where_am_i(r, c));
    return false;
  };
  if (!r.state().persisted()) return fail(r.state().destroyed() ? "already destroyed" : "cannot destroy a new record");
  return in_transaction_if(c, r.has_callbacks(Callback::after_destroy), [&] {
    if (!r.run_callbacks(Callback::before_destroy)) return fail("destroy aborted by a before_destroy callback");
    const TableInfo& t = r.table();
    Statement stmt = t.lock_version ? sql::destroy_locked(t, c.dialect(), stored_key(r), r.get(*t.lock_version))
                                    : sql::destroy(t, c.dialect(), stored_key(r));
    std::int64_t n = c.exec(stmt);
    if (n == 0 && t.lock_version) throw StaleObject(t.model, stored_key(r).to_string(), c.shard(), stmt.sql);
    if (n == 0) return fail("no row was deleted");
    RecordAccess::mark_destroyed(r.state());
    r.run_callbacks(Callback::after_destroy);
    return true;
  });
}

std::vector<std::optional<std::size_t>> column_map(const std::vector<std::string>& columns, const TableInfo& t,
                                                   bool by_name) {
  std::vector<std::optional<std::size_t>> out(columns.size());
  if (!by_name) {
    for (std::size_t j = 0; j < out.size() && j < t.columns.size(); ++j) out[j] = j;
    return out;
  }
  for (std::size_t j = 0; j < out.size(); ++j) {
    std::string name = columns[j];
    if (auto dot = name.rfind('.'); dot != std::string::npos) name.erase(0, dot + 1);
    if (auto i = t.find_column(name)) {
      out[j] = i;
      continue;
    }
    for (std::size_t i = 0; i < t.columns.size(); ++i)
      if (boost::algorithm::iequals(t.columns[i].name, name)) out[j] = i;
  }
  return out;
}

void preload(Connection& c, const TableInfo& t, const std::vector<RecordAdapter*>& owners, std::string_view name) {
  const AssociationInfo& a = t.association(name);
  const std::size_t column = t.column_index(a.owner_column(t));
  std::vector<Value> keys;
  keys.reserve(owners.size());
  for (const RecordAdapter* o : owners) keys.push_back(o->get(column));
  std::vector<std::any> loaded = a.preload(c, a, keys);
  for (std::size_t i = 0; i < owners.size(); ++i)
    RecordAccess::loaded(owners[i]->state())[std::string(name)] = std::move(loaded[i]);
}

std::string not_found_message(const TableInfo& t, const std::string& shard, const std::string& sql) {
  return t.model + " not found (table " + t.table + ", shard " + shard + "): " + sql;
}

}  // namespace grant::orm
