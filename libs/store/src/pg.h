// Private to octo::store: the connection pool, prepared statements, libpqxx error mapping and
// conversions shared by the Postgres-backed stores.
#pragma once

#include <memory>
#include <pqxx/pqxx>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "google/protobuf/message_lite.h"
#include "google/protobuf/timestamp.pb.h"
#include "octo/store/pg_pool.h"

namespace octo::store {

// Maps the exception being handled to a status. Call only inside a catch block.
// broken connection → UNAVAILABLE; commit outcome unknown → UNAVAILABLE;
// unique violation → ALREADY_EXISTS; serialization failure, deadlock → ABORTED;
// data errors and limits exceeded (SQLSTATE 22xxx, 54xxx) → INVALID_ARGUMENT;
// anything else → INTERNAL with the message.
absl::Status StatusFromCurrentException();

// A named SQL statement, prepared once per connection on first use.
struct Statement {
  const char* name;
  const char* sql;
};

template <typename... Args>
pqxx::result Exec(pqxx::transaction_base& tx, const Statement& statement, Args&&... args) {
  tx.conn().prepare(statement.name, statement.sql);  // no-op once registered
  return tx.exec_prepared(statement.name, std::forward<Args>(args)...);
}

class PgPool {
 public:
  // A connection borrowed from the pool, returned by the destructor.
  class Connection {
   public:
    Connection(PgPool* pool, std::unique_ptr<pqxx::connection> conn)
        : pool_(pool), conn_(std::move(conn)) {}
    Connection(Connection&& other) noexcept
        : pool_(std::exchange(other.pool_, nullptr)), conn_(std::move(other.conn_)) {}
    Connection& operator=(Connection&&) = delete;
    ~Connection();
    pqxx::connection& operator*() const { return *conn_; }
    // Drops the connection instead of returning it; the pool reconnects the slot later.
    void Discard() { conn_.reset(); }

   private:
    PgPool* pool_;  // null once moved from
    std::unique_ptr<pqxx::connection> conn_;
  };

  // Takes `conns` as the pool's slots (null entries connect on first use).
  PgPool(PgPoolOptions options, std::vector<std::unique_ptr<pqxx::connection>> conns);

  // UNAVAILABLE when no connection frees up within acquire_timeout, or when the slot's
  // connection is broken (or `fresh` is set) and connecting fails. An idle connection the
  // server has closed (it restarted, or ended the session) is noticed here and replaced, so
  // a connection handed out was alive a moment ago.
  absl::StatusOr<Connection> Acquire(bool fresh = false);

  // Runs `fn(pqxx::connection&)` (returning absl::Status or absl::StatusOr<T>) on a pooled
  // connection, mapping exceptions to statuses. A broken connection is replaced and `fn` run
  // once more on a new connection (after a server restart every idle connection is stale).
  // That is safe: a transaction whose connection broke before COMMIT did not commit, and a
  // break during COMMIT is reported as in_doubt_error, which is not retried.
  template <typename Fn>
  std::invoke_result_t<Fn, pqxx::connection&> Run(Fn&& fn) {
    for (int attempt = 0;; ++attempt) {
      auto conn = Acquire(/*fresh=*/attempt > 0);
      if (!conn.ok()) return conn.status();
      try {
        return fn(**conn);
      } catch (const pqxx::broken_connection&) {
        conn->Discard();
        if (attempt == 0) continue;
        return StatusFromCurrentException();
      } catch (...) {
        return StatusFromCurrentException();
      }
    }
  }

  // Like Run, for work that must not be repeated: a single statement committed on its own
  // (autocommit), which saves the BEGIN and COMMIT round trips of a transaction. A connection
  // that breaks while `fn` runs yields UNAVAILABLE ("may or may not have been applied") and
  // no second attempt. (Connections found dead before use are replaced by Acquire, so a
  // break here means the server went away during the statement.)
  template <typename Fn>
  std::invoke_result_t<Fn, pqxx::connection&> RunOnce(Fn&& fn) {
    auto conn = Acquire();
    if (!conn.ok()) return conn.status();
    try {
      return fn(**conn);
    } catch (const pqxx::broken_connection& e) {
      conn->Discard();
      return absl::UnavailableError(
          absl::StrCat("postgres connection lost during a statement, which may or may not "
                       "have been applied: ",
                       e.what()));
    } catch (...) {
      return StatusFromCurrentException();
    }
  }

 private:
  friend class Connection;
  void Release(std::unique_ptr<pqxx::connection> conn);
  bool HasIdle() const ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !idle_.empty(); }

  const PgPoolOptions options_;
  absl::Mutex mu_;
  // Free slots; a null slot is reconnected when acquired.
  std::vector<std::unique_ptr<pqxx::connection>> idle_ ABSL_GUARDED_BY(mu_);
};

// Opens a connection; UNAVAILABLE (with the server's message) when that fails.
absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(const std::string& dsn);

// bytea parameters and columns holding serialized protos.
pqxx::binarystring ToBytea(const google::protobuf::MessageLite& message);
// Parses a bytea column into `message`; false (message untouched) when the column is NULL.
// Throws (→ INTERNAL) when the bytes do not parse.
bool ReadProto(const pqxx::field& field, google::protobuf::MessageLite* message);

// Like ReadProto into `mutable_field()` (e.g. a lambda returning task.mutable_result()),
// leaving the field unset when the column is NULL.
template <typename MutableField>
void ReadOptionalProto(const pqxx::field& field, MutableField mutable_field) {
  if (!field.is_null()) ReadProto(field, mutable_field());
}

google::protobuf::Timestamp ToTimestamp(int64_t unix_micros);

// A duration as microseconds for "$n::bigint * interval '1 microsecond'".
int64_t ToMicros(absl::Duration d);

// Builds the text form of a one-dimensional Postgres array ("{...}") for passing a whole
// column of values as one parameter (e.g. "$1::bytea[]" with unnest). Elements are always
// quoted and escaped, so any text is safe.
class ArrayLiteral {
 public:
  ArrayLiteral() : text_("{") {}
  void AddText(absl::string_view value);
  void AddInt(int64_t value);
  // A bytea element in hex form.
  void AddBytes(absl::string_view bytes);
  void AddProto(const google::protobuf::MessageLite& message) {
    AddBytes(message.SerializeAsString());
  }
  void AddNull();
  // The literal; the builder is spent afterwards.
  std::string Finish() &&;

 private:
  void Separate();
  std::string text_;
  bool empty_ = true;
};

}  // namespace octo::store
