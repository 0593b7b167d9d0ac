// Worker: one thread, one lazily opened connection; runs jobs and serves transaction leases.
#include "drivers/executor/pool.hpp"

#include <grant/errors.hpp>

#include <algorithm>
#include <cctype>

namespace grant::detail {
namespace {

// Worker identity of a driver thread. Not fiber state: driver threads run no fibers of
// their own, and this only answers "is this thread a worker inside a job?" (transaction and
// request state stay out of thread_local, since fibers move between them; this is neither).
thread_local Worker* this_thread_worker = nullptr;

std::string savepoint_name(int depth) { return "grant_sp_" + std::to_string(depth); }

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

// Start and end of each "PWD=" / "Password=" value in a connection string.
template <class F>
void for_each_password(const std::string& s, F f) {
  std::size_t pos = 0;
  while (pos < s.size()) {
    std::size_t eq = s.find('=', pos);
    if (eq == std::string::npos) return;
    std::string key = s.substr(pos, eq - pos);
    key.erase(0, key.find_first_not_of(" \t"));
    key.erase(key.find_last_not_of(" \t") + 1);
    std::size_t start = eq + 1, end;
    if (start < s.size() && s[start] == '{') {
      end = s.find('}', start);
      end = end == std::string::npos ? s.size() : end + 1;
    } else {
      end = s.find(';', start);
      if (end == std::string::npos) end = s.size();
    }
    std::string k = lower(key);
    if (k == "pwd" || k == "password") f(start, end);
    pos = s.find(';', end);
    if (pos == std::string::npos) return;
    ++pos;
  }
}

}  // namespace

std::string mask_password(const std::string& connection_string) {
  std::string out = connection_string;
  std::vector<std::pair<std::size_t, std::size_t>> spans;
  for_each_password(connection_string, [&](std::size_t a, std::size_t b) { spans.emplace_back(a, b); });
  for (auto it = spans.rbegin(); it != spans.rend(); ++it)
    if (it->second > it->first) out.replace(it->first, it->second - it->first, "***");
  return out;
}

Worker::Worker(Pool& pool) : pool_(pool) {}

Worker::~Worker() { close(); }

Worker* Worker::running_for(const Pool& pool) noexcept {
  Worker* w = this_thread_worker;
  return (w && w->running_ > 0 && &w->pool_ == &pool) ? w : nullptr;
}

void Worker::bind_thread() noexcept { this_thread_worker = this; }

const std::string& Worker::shard() const { return pool_.settings().shard; }

bool Worker::broken() const noexcept { return connection_ && connection_->broken(); }

Connection& Worker::connection() {
  if (connection_) return *connection_;
  const PoolSettings& s = pool_.settings();
  driver::ConnectOptions options;
  options.shard = s.shard;
  options.query_timeout = s.query_timeout;
  options.connect_timeout = s.connect_timeout;
  // SQLite's busy timeout: waiting for the file lock is a kind of checkout wait.
  options.busy_timeout = s.checkout_timeout;
  options.log_parameters = s.log_parameters;
  options.on_statement = [this](StatementEvent& event) { on_statement(event); };
  auto started = Clock::now();
  try {
    connection_ = driver::connect(s.connection, options);
  } catch (const DatabaseError& e) {
    // The driver masks passwords; make sure of it, since this message reaches logs.
    std::string secret;
    for_each_password(s.connection, [&](std::size_t a, std::size_t b) { secret = s.connection.substr(a, b - a); });
    if (secret.size() < 2 || std::string(e.what()).find(secret) == std::string::npos) throw;
    std::string message = e.driver_message();
    for (std::size_t p; (p = message.find(secret)) != std::string::npos;) message.replace(p, secret.size(), "***");
    throw ConnectionLost(e.sqlstate(), e.native_error(), message, "", s.shard);
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw ConnectionLost("08001", 0,
                         std::string("cannot connect (") + mask_password(s.connection) + "): " + e.what(), "",
                         s.shard);
  }
  pool_.note_open();
  if (pool_.instruments().debug_enabled()) {
    pool_.instruments().log().debug(
        "[{}] connection opened in {}us", s.shard,
        std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
  }
  return *connection_;
}

void Worker::close() noexcept {
  if (!connection_) return;
  try {
    connection_.reset();
  } catch (...) {
  }
  tx_ = TxState{};
  pool_.note_close();
  if (pool_.instruments().debug_enabled()) pool_.instruments().log().debug("[{}] connection closed", shard());
}

void Worker::after_job() noexcept {
  if (broken()) {
    pool_.instruments().log().warn("[{}] connection lost; it is closed and reopened on next use", shard());
    close();
  }
}

void Worker::on_statement(StatementEvent& event) {
  event.queue_wait = current_.queue_wait;
  event.async = current_.async;
  if (event.shard.empty()) event.shard = shard();
  if (!event.ok && tx_.depth > 0 && !tx_.error) {
    tx_.error = std::make_exception_ptr(DatabaseError(
        "", 0, "a statement failed inside the transaction (its error was caught); the transaction is rolled back",
        event.sql, shard()));
    tx_.error_level = tx_.depth;
    tx_.error_synthesized = true;
  }
  pool_.instruments().statement(event);
}

void Worker::note_failure(std::exception_ptr error) noexcept {
  if (tx_.depth == 0) return;
  try {
    std::rethrow_exception(error);
  } catch (const DatabaseError&) {
    if (!tx_.error) {
      tx_.error_level = tx_.depth;
    } else if (!tx_.error_synthesized) {
      return;
    }
    tx_.error = error;
    tx_.error_synthesized = false;
  } catch (...) {
  }
}

void Worker::throw_lost() const {
  throw ConnectionLost("08003", 0,
                       "the connection was lost inside a transaction; its statements are not replayed", "", shard());
}

void Worker::execute(Job& job, std::chrono::microseconds queue_wait) noexcept {
  Instruments& in = pool_.instruments();
  Connection* connection = nullptr;
  try {
    if (leased_ && broken()) throw_lost();
    connection = &this->connection();
  } catch (...) {
    auto error = std::current_exception();
    note_failure(error);
    in.fail_job(shard(), job, error);
    return;
  }
  Current saved = current_;
  current_ = Current{queue_wait, job.async, false};
  ++running_;
  auto started = Clock::now();
  bool ok = true;
  try {
    job.run(*connection);
  } catch (...) {
    // Shard::run_on's jobs settle their promise and rethrow so failures are counted here.
    ok = false;
    note_failure(std::current_exception());
  }
  --running_;
  if (!current_.counted) in.count_job(ok);
  current_ = saved;
  in.job_done(shard(), job.async, queue_wait,
              std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started), ok);
}

void Worker::serve(Lease& lease, std::chrono::microseconds queue_wait) noexcept {
  try {
    connection();
  } catch (...) {
    lease.acquired().reject(std::current_exception());
    return;
  }
  Instruments& in = pool_.instruments();
  if (in.debug_enabled()) in.log().debug("[{}] transaction checked out a connection after {}us", shard(), queue_wait.count());
  auto started = Clock::now();
  leased_ = true;
  tx_ = TxState{};
  lease.acquired().resolve(true);
  lease.serve(*this);
  leased_ = false;
  if (in.debug_enabled()) {
    in.log().debug("[{}] transaction released its connection after {}us", shard(),
                   std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count());
  }
  // The transaction's fiber always ends with COMMIT or ROLLBACK; if it could not (a lost
  // await, say), never hand an open transaction to the next job.
  if (tx_.depth > 0) tx_rollback();
}

void Worker::tx_begin() {
  if (broken()) throw_lost();
  connection().begin();
  tx_ = TxState{};
  tx_.depth = 1;
}

void Worker::tx_savepoint() {
  if (broken()) throw_lost();
  connection().savepoint(savepoint_name(tx_.depth + 1));
  ++tx_.depth;
}

void Worker::tx_release() {
  if (broken()) throw_lost();
  int level = tx_.depth;
  connection().release(savepoint_name(level));
  --tx_.depth;
  if (tx_.error && tx_.error_level > tx_.depth) tx_.error_level = tx_.depth;
}

void Worker::tx_rollback_to() {
  int level = tx_.depth;
  --tx_.depth;  // the fiber leaves this level whatever happens below
  if (broken()) throw_lost();
  connection().rollback_to(savepoint_name(level));
  connection().release(savepoint_name(level));
  if (tx_.error && tx_.error_level >= level) tx_ = TxState{tx_.depth, nullptr, 0, false};
}

void rethrow_transaction_error(std::exception_ptr error, bool lost) {
  if (lost) {
    try {
      std::rethrow_exception(error);
    } catch (const ConnectionLost&) {
    } catch (const DatabaseError& e) {
      throw ConnectionLost(e.sqlstate(), e.native_error(),
                           "the connection was lost inside the transaction; nothing was committed or replayed (" +
                               e.driver_message() + ")",
                           e.sql(), e.shard());
    } catch (...) {
    }
  }
  std::rethrow_exception(error);
}

void Worker::tx_commit() {
  if (tx_.error) {
    auto error = tx_.error;
    tx_rollback();
    rethrow_transaction_error(error, broken());
  }
  if (broken()) {
    tx_ = TxState{};
    throw_lost();
  }
  try {
    connection().commit();
  } catch (...) {
    tx_rollback();
    throw;
  }
  tx_ = TxState{};
}

void Worker::tx_rollback() noexcept {
  tx_ = TxState{};
  if (!connection_ || connection_->broken()) return;  // the server has rolled it back already
  try {
    connection_->rollback();
  } catch (const std::exception& e) {
    pool_.instruments().log().warn("[{}] ROLLBACK failed: {}", shard(), e.what());
  }
}

void note_job_outcome(bool ok) noexcept {
  Worker* w = this_thread_worker;
  if (!w || w->running_ == 0 || w->current_.counted) return;
  w->current_.counted = true;
  w->pool_.instruments().count_job(ok);
}

}  // namespace grant::detail
