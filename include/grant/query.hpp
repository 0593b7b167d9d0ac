// grant::Query<M> — the query builder and every terminal, sync and async.
//
// Value semantics: each builder call returns a new query; the old one is unchanged, so a
// query may be kept, copied and reused from any thread.
//
// Every terminal builds its SQL (lib/orm/sql_*.cpp) inside a job on the query's shard
// (Shard::run_on) and maps the rows. async_x() returns the already started AsyncResult; the
// sync x() is async_x().await(). An async_* call never throws: bad arguments (UnknownColumn,
// an unknown association, a wrong number of binds) are checked before any SQL is sent and
// delivered by await(), like an UnknownShard or a DatabaseError.
//
// Names. Every string the API takes where a column goes — where({{k, v}}) keys,
// where/or_where/where_not(column, op, value), find_by, exists(conditions), order, group,
// select, pluck, pick, sum, avg, min, max, update_all and create/update keys — is an
// identifier: "column" of M, or "table.column" of M or of an association joined with
// joins("association"). It is checked against the schema before any SQL is built (exact
// and case-sensitive: "ID", "id " or "LOWER(email)" are grant::UnknownColumn, whose message
// lists the columns and says "did you mean" for a near miss) and always emitted quoted by
// the dialect. joins() and includes() take association names only (UnknownAssociation).
//
// Raw SQL only where the spelling says so: the fragment forms with '?' placeholders
// (where/or_where/where_not/having("comments.created_at > ?", {binds}), update_all("views =
// views + ?", {1})) and grant::raw(...) (raw.hpp) in select, order, group, having, joins,
// pluck, pick and the aggregates: select("country", grant::raw("SUM(total) AS revenue")).
// order("created_at DESC, id") is a checked list of names, each with an optional ASC/DESC.
// Values are always bound parameters.
#pragma once

#include <grant/errors.hpp>
#include <grant/orm/bulk.hpp>
#include <grant/orm/locking.hpp>
#include <grant/orm/persistence.hpp>
#include <grant/orm/query_spec.hpp>
#include <grant/orm/sql.hpp>
#include <grant/runtime.hpp>
#include <grant/schema.hpp>

#include <any>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace grant {

namespace orm {

/// Maps each fetched row straight into a record of M (marked loaded from `shard`), so the
/// result exists once: as records, never also as Rows.
template <class M>
class RecordSink final : public RowSink {
 public:
  RecordSink(bool by_name, const std::string& shard) : by_name_(by_name), shard_(shard) {}
  void columns(const std::vector<std::string>& names) override { map_ = column_map(names, table_info<M>(), by_name_); }
  void row(std::vector<Value>& values) override {
    M& m = records.emplace_back();
    Adapter<M> a(m);
    for (std::size_t j = 0; j < values.size() && j < map_.size(); ++j)
      if (map_[j]) a.set(*map_[j], values[j]);
    RecordAccess::mark_loaded(m, shard_, values_of(a));
  }
  std::vector<M> records;

 private:
  bool by_name_;
  const std::string& shard_;
  std::vector<std::optional<std::size_t>> map_;
};

/// Rows -> records of M (marked loaded from `shard`).
template <class M>
std::vector<M> read_records(const Rows& rows, bool by_name, const std::string& shard) {
  RecordSink<M> sink(by_name, shard);
  sink.columns(rows.columns);
  sink.records.reserve(rows.size());
  for (const auto& row : rows.rows) {
    std::vector<Value> values = row;
    sink.row(values);
  }
  return std::move(sink.records);
}

/// Runs a SELECT of `q` and loads the records, then the includes() (one statement each).
template <class M>
std::vector<M> load(Connection& c, const QuerySpec& q, const Statement& stmt) {
  RecordSink<M> sink(!q.select.empty(), c.shard());
  c.query_each(stmt, sink);
  std::vector<M> out = std::move(sink.records);
  if (!q.includes.empty() && !out.empty()) {
    std::vector<Adapter<M>> adapters;
    adapters.reserve(out.size());
    std::vector<RecordAdapter*> owners;
    for (M& m : out) owners.push_back(&adapters.emplace_back(m));
    for (const auto& name : q.includes) preload(c, *q.table, owners, name);
  }
  return out;
}

/// first() / last(). The last of a page (a query with limit or offset) is the page's last
/// row, as in Rails; otherwise the order is reversed and one row read.
template <class M>
std::optional<M> load_one(Connection& c, const QuerySpec& q, bool reverse, bool or_throw) {
  const bool page = reverse && (q.limit || q.offset);
  Statement stmt;
  if (page) {
    QuerySpec ordered = q;
    if (ordered.order.empty()) ordered.order.push_back(OrderTerm{q.table->pk().name, Direction::asc, true});
    stmt = sql::select(ordered, c.dialect());
  } else {
    stmt = sql::first(q, c.dialect(), reverse);
  }
  std::vector<M> rows = load<M>(c, q, stmt);
  if (rows.empty()) {
    if (or_throw) throw querying::NotFound(not_found_message(*q.table, c.shard(), stmt.sql));
    return std::nullopt;
  }
  return std::move(page ? rows.back() : rows.front());
}

inline Value scalar(Connection& c, const Statement& stmt) {
  Rows rows = c.query(stmt);
  if (rows.empty() || rows.rows.front().empty()) return Value();
  return rows.rows.front().front();
}

template <class T>
std::vector<std::any> preload_targets(Connection& c, const AssociationInfo& a, const std::vector<Value>& keys) {
  const TableInfo& target = table_info<T>();
  const std::string column = a.target_column();
  const std::size_t index = target.column_index(column);
  std::vector<Value> distinct;
  std::unordered_map<std::string, std::vector<T>> groups;
  for (const auto& k : keys)
    if (!k.is_null() && groups.try_emplace(k.to_string()).second) distinct.push_back(k);
  constexpr std::size_t chunk = 1000;  // bind parameters per statement
  for (std::size_t from = 0; from < distinct.size(); from += chunk) {
    QuerySpec q;
    q.table = &target;
    std::vector<Value> part(distinct.begin() + from, distinct.begin() + std::min(distinct.size(), from + chunk));
    q.and_where(Predicate::compare(column, Op::in, Operand(part)));
    q.order.push_back(OrderTerm{target.pk().name, Direction::asc, true});
    for (T& t : load<T>(c, q, sql::select(q, c.dialect())))
      groups[Adapter<T>(t).get(index).to_string()].push_back(std::move(t));
  }
  std::unordered_map<std::string, std::shared_ptr<const std::vector<T>>> shared;
  static const auto none = std::make_shared<const std::vector<T>>();
  std::vector<std::any> out;
  out.reserve(keys.size());
  for (const auto& k : keys) {
    if (k.is_null()) {
      out.emplace_back(none);
      continue;
    }
    auto key = k.to_string();
    auto& s = shared[key];
    if (!s) s = std::make_shared<const std::vector<T>>(std::move(groups[key]));
    out.emplace_back(s);
  }
  return out;
}

}  // namespace orm

template <class M>
class Query {
 public:
  /// Every row of M on M's shard, within M's default scope (Schema::default_scope).
  Query() {
    spec_.table = &orm::table_info<M>();
    spec_.shard = spec_.table->shard;
    if (const auto& fn = orm::schema_of<M>().default_scope()) *this = fn(*this);
  }
  explicit Query(orm::QuerySpec spec) : spec_(std::move(spec)) {}

  // ---- building (each returns a new query) -------------------------------------------

  /// AND of equalities: {{"active", true}, {"role", std::vector<std::string>{"a", "b"}}}.
  Query where(const Conditions& c) const { return with([&](auto& s) { s.and_where(orm::Predicate::from(c)); }); }
  /// where("age", grant::gt, 18); grant::in / not_in take a std::vector.
  Query where(std::string column, Op op, Operand value) const {
    return with([&](auto& s) { s.and_where(orm::Predicate::compare(std::move(column), op, std::move(value))); });
  }
  /// Raw SQL with '?' placeholders: where("comments.created_at > ?", {week_ago}).
  Query where(std::string sql, std::vector<Value> binds = {}) const {
    return with([&](auto& s) { s.and_where(orm::Predicate::raw(std::move(sql), std::move(binds))); });
  }
  /// (everything so far) OR (this).
  Query or_where(const Conditions& c) const { return with([&](auto& s) { s.or_where(orm::Predicate::from(c)); }); }
  Query or_where(std::string column, Op op, Operand value) const {
    return with([&](auto& s) { s.or_where(orm::Predicate::compare(std::move(column), op, std::move(value))); });
  }
  Query or_where(std::string sql, std::vector<Value> binds = {}) const {
    return with([&](auto& s) { s.or_where(orm::Predicate::raw(std::move(sql), std::move(binds))); });
  }
  /// AND NOT (this).
  Query where_not(const Conditions& c) const {
    return with([&](auto& s) { s.and_where(orm::Predicate::negate(orm::Predicate::from(c))); });
  }
  Query where_not(std::string column, Op op, Operand value) const {
    return with([&](auto& s) {
      s.and_where(orm::Predicate::negate(orm::Predicate::compare(std::move(column), op, std::move(value))));
    });
  }
  Query where_not(std::string sql, std::vector<Value> binds = {}) const {
    return with([&](auto& s) { s.and_where(orm::Predicate::negate(orm::Predicate::raw(std::move(sql), std::move(binds)))); });
  }
  /// ORDER BY a column (or a grant::raw expression) in direction `d`.
  Query order(Expr column, Direction d) const {
    return with([&](auto& s) { s.order.push_back(orm::OrderTerm{std::move(column), d, true}); });
  }
  /// ORDER BY names: "id", "created_at DESC, id" (each item a column with an optional
  /// ASC/DESC, any case; UnknownColumn for anything else).
  Query order(std::string columns) const {
    return with([&](auto& s) {
      for (auto& t : orm::parse_order(columns)) s.order.push_back(std::move(t));
    });
  }
  /// ORDER BY raw SQL, kept as written: order(grant::raw("LOWER(title) DESC")). last()
  /// reverses the ASC/DESC of each comma-separated part.
  Query order(Raw sql) const {
    return with([&](auto& s) { s.order.push_back(orm::OrderTerm{Expr(std::move(sql)), Direction::asc, false}); });
  }
  /// Drops any order given so far.
  Query unordered() const { return with([](auto& s) { s.order.clear(); }); }
  Query limit(std::int64_t n) const { return with([&](auto& s) { s.limit = n; }); }
  Query offset(std::int64_t n) const { return with([&](auto& s) { s.offset = n; }); }
  /// INNER JOIN through an association of M by its name ("comments"); its columns may then
  /// be named "comments.body". UnknownAssociation (at the terminal) for any other string.
  Query joins(std::string association) const {
    return with([&](auto& s) { s.joins.push_back(orm::JoinTerm{std::move(association), false, {}, {}}); });
  }
  /// A raw JOIN clause: joins(grant::raw("LEFT JOIN comments ON comments.article_id = articles.id")).
  /// Its tables' columns are not names of the query: reach them through raw fragments.
  Query joins(Raw clause) const {
    return with([&](auto& s) { s.joins.push_back(orm::JoinTerm{{}, true, clause.sql(), clause.binds()}); });
  }
  /// GROUP BY a column (or a grant::raw expression).
  Query group(Expr column) const { return with([&](auto& s) { s.group.push_back(std::move(column)); }); }
  /// HAVING, a raw fragment with '?' placeholders: having("COUNT(comments.id) > ?", {5}).
  /// Several are ANDed.
  Query having(std::string sql, std::vector<Value> binds = {}) const {
    return with([&](auto& s) { add_having(s, orm::Predicate::raw(std::move(sql), std::move(binds))); });
  }
  Query having(Raw sql) const {
    return with([&](auto& s) { add_having(s, orm::Predicate::raw(sql.sql(), sql.binds())); });
  }
  /// Projection: only these columns (names, or grant::raw expressions) are read; the
  /// records' other members keep their defaults.
  template <class... S>
  Query select(S&&... columns) const {
    return with([&](auto& s) { (s.select.push_back(Expr(std::forward<S>(columns))), ...); });
  }
  Query distinct(bool on = true) const { return with([&](auto& s) { s.distinct = on; }); }
  /// Preloads an association (by name; UnknownAssociation) of every record loaded (one extra statement per association,
  /// not one per record). Read them with record.loaded<T>("name").
  Query includes(std::string association) const {
    return with([&](auto& s) { s.includes.push_back(std::move(association)); });
  }
  /// Row locks on the rows this query reads (all, first/last, find, find_by, pluck, pick):
  /// SELECT ... FOR UPDATE, with NOWAIT (LockMode::nowait: a locked row fails the statement
  /// at once with a DatabaseError) or SKIP LOCKED (LockMode::skip_locked: locked rows are
  /// left out) on PostgreSQL and MariaDB. The locks last until the transaction ends, so the
  /// query must run inside one on its shard (else grant::Error at await, no SQL sent). On
  /// SQLite no SQL is added: the transaction is already a write transaction that keeps every
  /// other writer out, and nowait / skip_locked behave as wait. Counts and aggregates read
  /// without locks.
  Query lock(LockMode mode = LockMode::wait) const { return with([&](auto& s) { s.lock = mode; }); }

  /// This query without the default scope or anything added so far (shard kept).
  Query unscoped() const {
    orm::QuerySpec s;
    s.table = spec_.table;
    s.shard = spec_.shard;
    return Query(std::move(s));
  }
  /// Applies the named scope declared in M's schema (Schema::scope). An unknown name is a
  /// grant::Error at await, naming the model and its scopes; no SQL is sent.
  Query scoped(std::string_view name) const {
    const auto* fn = orm::schema_of<M>().find_scope(name);
    if (fn) return (*fn)(*this);
    return with([&](auto& s) {
      if (!s.error)
        s.error = std::make_exception_ptr(Error(s.table->model + ": no scope \"" + std::string(name) +
                                                "\"; declared scopes: " + orm::schema_of<M>().scope_names()));
    });
  }
  /// A query that matches nothing: every terminal answers at once (empty list, 0, false,
  /// nullopt; *_or_throw and sole() throw querying::NotFound) without sending SQL.
  Query none() const { return with([](auto& s) { s.none = true; }); }
  /// LEFT OUTER JOIN through an association of M (rows without a match are kept, with the
  /// joined columns NULL): left_joins("posts").where("posts.id IS NULL") finds users with
  /// no posts. The association must be one of M's (grant::Error at await).
  Query left_joins(std::string association) const {
    return with([&](auto& s) { s.joins.push_back(orm::JoinTerm{std::move(association), false, {}, {}, true}); });
  }

  /// Runs on shard `name` (UnknownShard at await if there is none).
  Query shard(std::string name) const { return with([&](auto& s) { s.shard = std::move(name); }); }
  /// Time limit of each statement this query runs, in place of the shard's query_timeout
  /// (0 ms = none). Past it the statement is cancelled and await() (or the sync call)
  /// throws QueryTimeout. Unlike await_for(), which only stops waiting, it ends the work.
  Query timeout(std::chrono::milliseconds limit) const {
    Query q = *this;
    q.timeout_ = limit;
    return q;
  }

  const orm::QuerySpec& spec() const { return spec_; }
  /// The SELECT this query runs, for a dialect (for logs and tests). Throws what check() throws.
  Statement to_sql(const Dialect& d) const {
    spec_.check();
    return orm::sql::select(spec_, d);
  }

  // ---- terminals: records --------------------------------------------------------------

  std::vector<M> all() const { return op_all(false).await(); }
  AsyncResult<std::vector<M>> async_all() const { return op_all(true); }

  /// First by the query's order, else by primary key.
  std::optional<M> first() const { return op_one(false, false).await(); }
  AsyncResult<std::optional<M>> async_first() const { return op_one(false, true); }
  M first_or_throw() const { return op_one_or_throw(false, false).await(); }
  AsyncResult<M> async_first_or_throw() const { return op_one_or_throw(false, true); }

  /// Last by the query's order (reversed), else by primary key descending; with a limit or
  /// offset, the last record of that page.
  std::optional<M> last() const { return op_one(true, false).await(); }
  AsyncResult<std::optional<M>> async_last() const { return op_one(true, true); }
  M last_or_throw() const { return op_one_or_throw(true, false).await(); }
  AsyncResult<M> async_last_or_throw() const { return op_one_or_throw(true, true); }

  /// The one matching record: querying::NotFound when there is none,
  /// querying::SoleRecordExceeded when there are more (reads at most two rows).
  M sole() const { return op_sole(false).await(); }
  AsyncResult<M> async_sole() const { return op_sole(true); }

  /// The primary keys of the matching records, in the query's order (pluck of the key).
  template <class T = std::int64_t>
  std::vector<T> ids() const { return op_pluck<T>(spec_.table->pk().name, false).await(); }
  template <class T = std::int64_t>
  AsyncResult<std::vector<T>> async_ids() const { return op_pluck<T>(spec_.table->pk().name, true); }

  /// By primary key.
  std::optional<M> find(const Value& id) const { return by_key(id).op_one(false, false).await(); }
  AsyncResult<std::optional<M>> async_find(const Value& id) const { return by_key(id).op_one(false, true); }
  M find_or_throw(const Value& id) const { return by_key(id).op_one_or_throw(false, false).await(); }
  AsyncResult<M> async_find_or_throw(const Value& id) const { return by_key(id).op_one_or_throw(false, true); }

  std::optional<M> find_by(const Conditions& c) const { return where(c).op_one(false, false).await(); }
  AsyncResult<std::optional<M>> async_find_by(const Conditions& c) const { return where(c).op_one(false, true); }
  M find_by_or_throw(const Conditions& c) const { return where(c).op_one_or_throw(false, false).await(); }
  AsyncResult<M> async_find_by_or_throw(const Conditions& c) const { return where(c).op_one_or_throw(false, true); }

  /// Visits every matching record in primary-key order, `batch_size` rows per statement
  /// (keyset pagination: constant memory, and rows deleted meanwhile are simply not seen).
  /// The query's own order and offset are ignored; a limit caps the total. `fn` runs in the
  /// caller's fiber, between statements.
  void find_each(std::size_t batch_size, const std::function<void(M&)>& fn) const {
    find_in_batches(batch_size, [&](std::vector<M>& batch) {
      for (M& m : batch) fn(m);
    });
  }
  void find_in_batches(std::size_t batch_size, const std::function<void(std::vector<M>&)>& fn) const;

  /// The query's SELECT as raw rows (column names as the driver reports them): for
  /// projections with expressions and groups, e.g.
  /// group("country").select("country", grant::raw("SUM(total) AS revenue")).rows().
  Rows rows() const { return op_rows(false).await(); }
  AsyncResult<Rows> async_rows() const { return op_rows(true); }

  // ---- terminals: scalars --------------------------------------------------------------

  bool exists() const { return op_exists(false).await(); }
  AsyncResult<bool> async_exists() const { return op_exists(true); }
  bool exists(const Conditions& c) const { return where(c).op_exists(false).await(); }
  AsyncResult<bool> async_exists(const Conditions& c) const { return where(c).op_exists(true); }

  /// Rows the query returns (with group(): the number of groups).
  std::int64_t count() const { return op_count(false).await(); }
  AsyncResult<std::int64_t> async_count() const { return op_count(true); }

  /// SUM; 0 when there are no rows. sum<std::int64_t>(c) is exact.
  template <class T = double>
  T sum(Expr column) const { return op_sum<T>(std::move(column), false).await(); }
  template <class T = double>
  AsyncResult<T> async_sum(Expr column) const { return op_sum<T>(std::move(column), true); }

  /// AVG; nullopt when there are no rows.
  std::optional<double> avg(Expr column) const { return op_agg<double>("AVG", std::move(column), false).await(); }
  AsyncResult<std::optional<double>> async_avg(Expr column) const {
    return op_agg<double>("AVG", std::move(column), true);
  }
  /// MIN / MAX; nullopt when there are no rows.
  template <class T = Value>
  std::optional<T> min(Expr column) const { return op_agg<T>("MIN", std::move(column), false).await(); }
  template <class T = Value>
  AsyncResult<std::optional<T>> async_min(Expr column) const { return op_agg<T>("MIN", std::move(column), true); }
  template <class T = Value>
  std::optional<T> max(Expr column) const { return op_agg<T>("MAX", std::move(column), false).await(); }
  template <class T = Value>
  AsyncResult<std::optional<T>> async_max(Expr column) const { return op_agg<T>("MAX", std::move(column), true); }

  /// One column of every row, in the query's order.
  template <class T = Value>
  std::vector<T> pluck(Expr column) const { return op_pluck<T>(std::move(column), false).await(); }
  template <class T = Value>
  AsyncResult<std::vector<T>> async_pluck(Expr column) const { return op_pluck<T>(std::move(column), true); }
  /// One column of the first row; nullopt when there is no row or the value is NULL.
  template <class T = Value>
  std::optional<T> pick(Expr column) const { return op_pick<T>(std::move(column), false).await(); }
  template <class T = Value>
  AsyncResult<std::optional<T>> async_pick(Expr column) const { return op_pick<T>(std::move(column), true); }

  // ---- terminals: writes ---------------------------------------------------------------

  /// UPDATE every matching row (no validations, callbacks or timestamps); rows affected.
  std::int64_t update_all(const Attributes& values) const { return op_update_all(values, false).await(); }
  AsyncResult<std::int64_t> async_update_all(const Attributes& values) const { return op_update_all(values, true); }
  /// update_all("views = views + ?", {1}): a raw SET clause.
  std::int64_t update_all(std::string set_sql, std::vector<Value> binds) const {
    return op_update_raw(std::move(set_sql), std::move(binds), false).await();
  }
  AsyncResult<std::int64_t> async_update_all(std::string set_sql, std::vector<Value> binds) const {
    return op_update_raw(std::move(set_sql), std::move(binds), true);
  }
  /// DELETE every matching row (no callbacks); rows affected.
  std::int64_t delete_all() const { return op_delete_all(false).await(); }
  AsyncResult<std::int64_t> async_delete_all() const { return op_delete_all(true); }

  /// A new record with `values`, saved on this query's shard (validations and callbacks
  /// run). Check persisted() / errors() on the result.
  M create(const Attributes& values) const { return op_create(values, false, false).await(); }
  AsyncResult<M> async_create(const Attributes& values) const { return op_create(values, false, true); }
  /// As create(), but RecordInvalid / RecordNotSaved instead of an unsaved record.
  M create_or_throw(const Attributes& values) const { return op_create(values, true, false).await(); }
  AsyncResult<M> async_create_or_throw(const Attributes& values) const { return op_create(values, true, true); }

  /// Inserts every record on this query's shard in as few multi-row INSERTs as the
  /// dialect's parameter limit allows, in one transaction. No validations, no callbacks;
  /// the records are not changed (see orm/bulk.hpp for ids and row counts).
  BulkResult insert_all(const std::vector<M>& records) const { return orm::bulk<M>(spec_.shard, records, nullptr, false).await(); }
  AsyncResult<BulkResult> async_insert_all(const std::vector<M>& records) const {
    return orm::bulk<M>(spec_.shard, records, nullptr, true);
  }
  /// As insert_all, but a row whose `unique_by` columns (a unique index or the primary key;
  /// empty: the primary key) match a stored row overwrites that row's other columns
  /// (created_at kept): ON CONFLICT on PostgreSQL and SQLite, ON DUPLICATE KEY UPDATE on
  /// MariaDB (which fires on ANY unique key of the table, whatever `unique_by` says).
  /// UnknownColumn for a name that is not one of M's.
  BulkResult upsert_all(const std::vector<M>& records, const std::vector<std::string>& unique_by) const {
    return orm::bulk<M>(spec_.shard, records, &unique_by, false).await();
  }
  AsyncResult<BulkResult> async_upsert_all(const std::vector<M>& records, const std::vector<std::string>& unique_by) const {
    return orm::bulk<M>(spec_.shard, records, &unique_by, true);
  }

 private:
  template <class F>
  Query with(F&& change) const {
    Query q = *this;
    change(q.spec_);
    return q;
  }

  static void add_having(orm::QuerySpec& s, orm::Predicate p) {
    if (s.having) s.having = orm::Predicate::all_of({std::move(*s.having), std::move(p)});
    else s.having = std::move(p);
  }

  /// Checks the spec in the caller (errors go into the result, not thrown), then submits
  /// `fn(Connection&, const QuerySpec&)` to the shard. A DatabaseError from the job names
  /// the operation: "<Model>.where(...).<op>(<column>)".
  template <class T, class F>
  AsyncResult<T> run(bool async, const char* op, F fn, const Expr* column = nullptr) const {
    try {
      spec_.check();
      if (spec_.none) {
        if constexpr (std::is_same_v<T, M>)
          throw querying::NotFound(spec_.table->model + " not found: the query is none() (no SQL sent)");
        else
          return AsyncResult<T>::ready(T{});
      }
    } catch (...) {
      return AsyncResult<T>::failed(std::current_exception());
    }
    return Shard::run_on(
        spec_.shard,
        [spec = spec_, timeout = timeout_, fn = std::move(fn), op, arg = column ? column->text() : std::string()](Connection& c) -> T {
          TimeoutScope scope(c, timeout);
          orm::check_lock(c, spec);
          try {
            return fn(c, spec);
          } catch (const DatabaseError& e) {
            rethrow_with_operation(e, spec.describe(std::string(op) + "(" + arg + ")"));
          }
        },
        async);
  }

  Query by_key(const Value& id) const {
    return with([&](auto& s) {
      try {
        s.and_where(orm::Predicate::compare(s.table->pk().name, Op::eq, id));
      } catch (...) {
        s.error = std::current_exception();
      }
    });
  }

  AsyncResult<std::vector<M>> op_all(bool async) const {
    return run<std::vector<M>>(async, "all", [](Connection& c, const orm::QuerySpec& q) {
      return orm::load<M>(c, q, orm::sql::select(q, c.dialect()));
    });
  }
  AsyncResult<Rows> op_rows(bool async) const {
    return run<Rows>(async, "rows", [](Connection& c, const orm::QuerySpec& q) { return c.query(orm::sql::select(q, c.dialect())); });
  }
  AsyncResult<std::optional<M>> op_one(bool reverse, bool async) const {
    return run<std::optional<M>>(
        async, reverse ? "last" : "first", [reverse](Connection& c, const orm::QuerySpec& q) { return orm::load_one<M>(c, q, reverse, false); });
  }
  AsyncResult<M> op_one_or_throw(bool reverse, bool async) const {
    return run<M>(async, reverse ? "last_or_throw" : "first_or_throw",
                  [reverse](Connection& c, const orm::QuerySpec& q) { return *orm::load_one<M>(c, q, reverse, true); });
  }
  AsyncResult<M> op_sole(bool async) const {
    return run<M>(async, "sole", [](Connection& c, const orm::QuerySpec& q) {
      orm::QuerySpec two = q;
      if (!two.limit || *two.limit > 2) two.limit = 2;
      Statement stmt = orm::sql::select(two, c.dialect());
      std::vector<M> rows = orm::load<M>(c, two, stmt);
      if (rows.empty()) throw querying::NotFound(orm::not_found_message(*q.table, c.shard(), stmt.sql));
      if (rows.size() > 1)
        throw querying::SoleRecordExceeded(q.table->model + ": sole() found more than one row (table " + q.table->table +
                                           ", shard " + c.shard() + "): " + stmt.sql);
      return std::move(rows.front());
    });
  }
  AsyncResult<bool> op_exists(bool async) const {
    return run<bool>(async, "exists", [](Connection& c, const orm::QuerySpec& q) {
      return !c.query(orm::sql::exists(q, c.dialect())).empty();
    });
  }
  AsyncResult<std::int64_t> op_count(bool async) const {
    return run<std::int64_t>(async, "count", [](Connection& c, const orm::QuerySpec& q) {
      Value v = orm::scalar(c, orm::sql::count(q, c.dialect()));
      return v.is_null() ? std::int64_t{0} : v.as<std::int64_t>();
    });
  }
  template <class T>
  AsyncResult<T> op_sum(Expr column, bool async) const {
    return checked(column).template run<T>(
        async, "sum",
        [column](Connection& c, const orm::QuerySpec& q) {
          Value v = orm::scalar(c, orm::sql::aggregate(q, c.dialect(), "SUM", column));
          return v.is_null() ? T{} : read_as<T>(v, q, "SUM", column, c);
        },
        &column);
  }
  template <class T>
  AsyncResult<std::optional<T>> op_agg(const char* fn, Expr column, bool async) const {
    return checked(column).template run<std::optional<T>>(
        async, fn,
        [fn, column](Connection& c, const orm::QuerySpec& q) {
          Value v = orm::scalar(c, orm::sql::aggregate(q, c.dialect(), fn, column));
          return v.is_null() ? std::optional<T>{} : std::optional<T>{read_as<T>(v, q, fn, column, c)};
        },
        &column);
  }
  template <class T>
  AsyncResult<std::vector<T>> op_pluck(Expr column, bool async) const {
    return checked(column).template run<std::vector<T>>(
        async, "pluck",
        [column](Connection& c, const orm::QuerySpec& q) {
          Rows rows = c.query(orm::sql::pluck(q, c.dialect(), column, std::nullopt));
          std::vector<T> out;
          out.reserve(rows.size());
          for (const auto& row : rows.rows) out.push_back(read_as<T>(row.at(0), q, "pluck", column, c));
          return out;
        },
        &column);
  }
  template <class T>
  AsyncResult<std::optional<T>> op_pick(Expr column, bool async) const {
    return checked(column).template run<std::optional<T>>(
        async, "pick",
        [column](Connection& c, const orm::QuerySpec& q) {
          Rows rows = c.query(orm::sql::pluck(q, c.dialect(), column, 1));
          if (rows.empty() || rows.rows.front().at(0).is_null()) return std::optional<T>{};
          return std::optional<T>{read_as<T>(rows.rows.front().at(0), q, "pick", column, c)};
        },
        &column);
  }
  AsyncResult<std::int64_t> op_update_all(const Attributes& values, bool async) const {
    Query q = *this;
    // Each value goes through the member's type, as create() and update() do: a value of
    // the wrong kind is a ConversionError naming the column (SQLite would store it as is),
    // and enum or custom-mapped columns are written the way records write them.
    Attributes typed;
    try {
      M scratch{};
      orm::Adapter<M> a(scratch);
      for (const auto& [name, value] : values) {
        const std::size_t i = spec_.table->column_index(name);
        a.set(i, value);
        typed.emplace_back(name, a.get(i));
      }
    } catch (...) {
      q.spec_.error = std::current_exception();
    }
    return q.template run<std::int64_t>(async, "update_all", [typed = std::move(typed)](Connection& c, const orm::QuerySpec& s) {
      return c.exec(orm::sql::update_all(s, c.dialect(), typed));
    });
  }
  AsyncResult<std::int64_t> op_update_raw(std::string set_sql, std::vector<Value> binds, bool async) const {
    Query q = *this;
    try {
      if (orm::count_placeholders(set_sql) != binds.size())
        throw Error(spec_.table->model + ": update_all(\"" + set_sql + "\") has " +
                    std::to_string(orm::count_placeholders(set_sql)) + " '?' but " + std::to_string(binds.size()) +
                    " bind value(s)");
    } catch (...) {
      q.spec_.error = std::current_exception();
    }
    return q.template run<std::int64_t>(async, "update_all", [set_sql, binds](Connection& c, const orm::QuerySpec& s) {
      return c.exec(orm::sql::update_all(s, c.dialect(), set_sql, binds));
    });
  }
  AsyncResult<std::int64_t> op_delete_all(bool async) const {
    return run<std::int64_t>(async, "delete_all", [](Connection& c, const orm::QuerySpec& q) {
      return c.exec(orm::sql::delete_all(q, c.dialect()));
    });
  }
  AsyncResult<M> op_create(const Attributes& values, bool or_throw, bool async) const {
    M m{};
    try {
      orm::Adapter<M> a(m);
      orm::assign(a, values);
      m.use_shard(spec_.shard);
    } catch (...) {
      return AsyncResult<M>::failed(std::current_exception());
    }
    return Shard::run_on(
        spec_.shard,
        [m = std::move(m), or_throw, timeout = timeout_](Connection& c) mutable -> M {
          TimeoutScope scope(c, timeout);
          orm::Adapter<M> a(m);
          try {
            orm::save(c, a, or_throw);
          } catch (const DatabaseError& e) {
            rethrow_with_operation(e, a.table().model + (or_throw ? ".create_or_throw()" : ".create()"));
          }
          return m;
        },
        async);
  }

  /// v as T; a ConversionError names the model, the operation, the column and the shard
  /// (Value's own message names only the value).
  template <class T>
  static T read_as(const Value& v, const orm::QuerySpec& q, const char* op, const Expr& column, const Connection& c) {
    try {
      return v.template as<T>();
    } catch (const ConversionError& e) {
      throw ConversionError(q.table->model + " " + op + "(" + column.text() + ") on shard " + c.shard() + ": " + e.what());
    }
  }

  /// This query, carrying an UnknownColumn if `column` names nothing the query has.
  Query checked(const Expr& column) const {
    Query q = *this;
    try {
      spec_.check(column);
    } catch (...) {
      if (!q.spec_.error) q.spec_.error = std::current_exception();
    }
    return q;
  }

  template <class>
  friend class Query;
  orm::QuerySpec spec_;
  std::optional<std::chrono::milliseconds> timeout_;
};

template <class M>
void Query<M>::find_in_batches(std::size_t batch_size, const std::function<void(std::vector<M>&)>& fn) const {
  spec_.check();
  if (batch_size == 0) throw Error(spec_.table->model + ": find_each/find_in_batches with a batch size of 0");
  const std::string pk = spec_.table->pk().name;
  std::optional<Value> last;
  std::optional<std::int64_t> remaining = spec_.limit;
  while (!remaining || *remaining > 0) {
    orm::QuerySpec q = spec_;
    q.order = {orm::OrderTerm{pk, Direction::asc, true}};
    q.offset.reset();
    q.limit = static_cast<std::int64_t>(batch_size);
    if (remaining && *remaining < *q.limit) q.limit = *remaining;
    if (last) q.and_where(orm::Predicate::compare(pk, Op::gt, *last));
    Query next(std::move(q));
    next.timeout_ = timeout_;
    std::vector<M> batch = next.all();
    if (batch.empty()) break;
    last = orm::Adapter<M>(batch.back()).get(spec_.table->pk_index());
    const bool full = batch.size() == batch_size;
    if (remaining) *remaining -= static_cast<std::int64_t>(batch.size());
    fn(batch);
    if (!full) break;
  }
}

}  // namespace grant
