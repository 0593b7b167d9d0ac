// The exception hierarchy. Every type derives from grant::Error, a
// std::runtime_error, and its what() names the model, shard and SQL where they apply.
// Parameter values never appear in messages unless the config asks (log_parameters = true).
//
// Exceptions are immutable after construction and may be rethrown from any thread
// (they travel through std::exception_ptr from driver workers to awaiting fibers).
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace grant {

/// Base of every exception the library throws.
class Error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// A Value could not be converted to the requested C++ type without loss.
class ConversionError : public Error {
 public:
  using Error::Error;
};

/// Configuration is unusable: names the file (or "environment"/"code") and the key.
class ConfigError : public Error {
 public:
  using Error::Error;
};

/// A shard name that the runtime does not know; the message lists the known shards.
class UnknownShard : public Error {
 public:
  UnknownShard(std::string shard, const std::vector<std::string>& known);
  const std::string& shard() const noexcept { return shard_; }

 private:
  std::string shard_;
};

/// A name that the model's schema (or a result set) does not have. Raised before any SQL
/// is sent. what() names the model, lists the names that may be used (`known`) and, for a
/// near miss (same letters in another case, or one or two typos), says "did you mean".
/// `hint` is appended as is (e.g. how to join a table first).
class UnknownColumn : public Error {
 public:
  UnknownColumn(std::string model, std::string column, std::vector<std::string> known = {}, std::string hint = {});
  const std::string& model() const noexcept { return model_; }
  const std::string& column() const noexcept { return column_; }
  /// The nearest known name, or "" if none is near.
  const std::string& suggestion() const noexcept { return suggestion_; }

 private:
  std::string model_, column_, suggestion_;
};

/// An association name that the model does not declare (joins, includes, related). Raised
/// before any SQL is sent; what() lists the model's associations and any near miss.
class UnknownAssociation : public Error {
 public:
  UnknownAssociation(std::string model, std::string association, std::vector<std::string> known);
  const std::string& model() const noexcept { return model_; }
  const std::string& association() const noexcept { return association_; }

 private:
  std::string model_, association_;
};

/// The known name nearest to `name` for a "did you mean": an exact match ignoring case
/// first, else the closest within two edits (none for very short names); "" if none.
std::string nearest_name(const std::string& name, const std::vector<std::string>& known);

/// No pooled connection became free within the shard's checkout_timeout.
class PoolTimeout : public Error {
 public:
  PoolTimeout(std::string shard, std::int64_t waited_ms, std::size_t pool_size);
  const std::string& shard() const noexcept { return shard_; }

 private:
  std::string shard_;
};

/// Everything the database or its driver reported. Subclasses are chosen from the SQLSTATE
/// and the driver's native error code (see drivers/odbc/diagnostics.cpp for the table).
/// Raised from a model operation, `operation` names it ("Invoice.where(...).count()") and
/// what() reads "Invoice.where(...).count() on shard europe: [42P01] ... SQL: ...".
class DatabaseError : public Error {
 public:
  DatabaseError(std::string sqlstate, std::int64_t native_error, std::string driver_message, std::string sql,
                std::string shard, std::string operation = {});
  /// The model operation that ran the statement, or "" (raw SQL, connecting).
  const std::string& operation() const noexcept { return operation_; }
  const std::string& sqlstate() const noexcept { return sqlstate_; }
  std::int64_t native_error() const noexcept { return native_; }
  const std::string& driver_message() const noexcept { return message_; }
  const std::string& sql() const noexcept { return sql_; }
  const std::string& shard() const noexcept { return shard_; }

 private:
  std::string sqlstate_;
  std::int64_t native_;
  std::string message_, sql_, shard_, operation_;
};

/// The connection is gone (SQLSTATE class 08, 57P01..57P03). The pool discards it.
class ConnectionLost : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};
/// A unique or primary-key constraint was violated (23505, SQLite's constraint codes, MariaDB 1062).
class UniqueViolation : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};
/// Deadlock or serialization failure (40001, 40P01): safe to retry the whole transaction.
class Deadlock : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};
/// The statement ran out of time (57014, HYT00).
class QueryTimeout : public DatabaseError {
 public:
  using DatabaseError::DatabaseError;
};

/// Rethrows `e` as the same class (ConnectionLost, UniqueViolation, Deadlock, QueryTimeout
/// or DatabaseError) with `operation` set, unless `e` already names one (an inner operation
/// is the more precise). Call it only from a catch handler of `e`: a class not listed is
/// rethrown unchanged with `throw;`.
[[noreturn]] void rethrow_with_operation(const DatabaseError& e, std::string operation);

/// Validation failed; what() lists every "field message".
class RecordInvalid : public Error {
 public:
  RecordInvalid(std::string model, std::vector<std::string> messages);
  const std::vector<std::string>& messages() const noexcept { return messages_; }

 private:
  std::vector<std::string> messages_;
};

/// A before-callback aborted the save, or the row to update vanished.
class RecordNotSaved : public Error {
 public:
  using Error::Error;
};

/// Optimistic locking (a lock_version column) found that the record's row was changed or
/// deleted by another writer since the record was read: nothing was written. Reload and
/// retry. Thrown by save/update/destroy in every form (also the non-throwing ones: a lost
/// race is not a validation failure).
class StaleObject : public Error {
 public:
  StaleObject(std::string model, std::string id, std::string shard, std::string sql);
  const std::string& model() const noexcept { return model_; }
  const std::string& id() const noexcept { return id_; }
  const std::string& shard() const noexcept { return shard_; }

 private:
  std::string model_, id_, shard_;
};

/// A before_destroy callback aborted, or no row was deleted.
class RecordNotDestroyed : public Error {
 public:
  using Error::Error;
};

/// Thrown inside a transaction block to roll it back quietly: transaction() swallows it.
class Rollback : public Error {
 public:
  Rollback() : Error("grant::Rollback") {}
};

namespace querying {
/// A *_or_throw finder found no row.
class NotFound : public Error {
 public:
  using Error::Error;
};
/// sole() found more than one row.
class SoleRecordExceeded : public Error {
 public:
  using Error::Error;
};
}  // namespace querying

namespace async {
/// await_for() ran out of time; the result stays awaitable.
class Timeout : public Error {
 public:
  using Error::Error;
};

/// await_all_or_throw() found failed operations; what() lists "index: message" for each.
class CoordinationError : public Error {
 public:
  struct Failure {
    std::size_t index;
    std::string message;
  };
  explicit CoordinationError(std::vector<Failure> failures);
  const std::vector<Failure>& failures() const noexcept { return failures_; }

 private:
  std::vector<Failure> failures_;
};
}  // namespace async

}  // namespace grant
