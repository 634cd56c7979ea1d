#include "pg.h"

#include <poll.h>

#include <stdexcept>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace octo::store {
namespace {

absl::Status FromSqlState(absl::string_view state, absl::string_view message) {
  if (state == "23505") return absl::AlreadyExistsError(message);
  if (absl::StartsWith(state, "40")) return absl::AbortedError(message);
  // Connection exceptions; admin/crash shutdown; cannot connect now.
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P")) {
    return absl::UnavailableError(message);
  }
  // Data exceptions (bad UUID, value out of range...); program limits (e.g. tsvector too big).
  if (absl::StartsWith(state, "22") || absl::StartsWith(state, "54")) {
    return absl::InvalidArgumentError(message);
  }
  return absl::InternalError(message);
}

}  // namespace

absl::Status StatusFromCurrentException() {
  try {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    return absl::UnavailableError(
        absl::StrCat("connection lost during commit, outcome unknown: ", e.what()));
  } catch (const pqxx::broken_connection& e) {
    return absl::UnavailableError(absl::StrCat("postgres connection: ", e.what()));
  } catch (const pqxx::transaction_rollback& e) {  // serialization failure, deadlock
    return absl::AbortedError(e.what());
  } catch (const pqxx::sql_error& e) {
    return FromSqlState(e.sqlstate(), e.what());
  } catch (const std::exception& e) {
    return absl::InternalError(e.what());
  } catch (...) {
    return absl::InternalError("unknown exception from the database layer");
  }
}

absl::StatusOr<std::unique_ptr<pqxx::connection>> Connect(const std::string& dsn) {
  try {
    return std::make_unique<pqxx::connection>(dsn);
  } catch (...) {
    absl::Status status = StatusFromCurrentException();
    // Failing to connect is an outage whatever libpq calls it (bad host, refused, auth).
    return absl::UnavailableError(status.message());
  }
}

PgPool::Connection::~Connection() {
  if (pool_ != nullptr) pool_->Release(std::move(conn_));
}

namespace {

// Pool connections plan each prepared statement once and keep the plan
// (plan_cache_mode=force_generic_plan): the stores' statements are keyed lookups and
// writes whose best plan does not depend on the parameter values, and re-planning the
// larger ones (the claim, the batched task update) on every call cost more than running them.
absl::StatusOr<std::unique_ptr<pqxx::connection>> ConnectForPool(const std::string& dsn) {
  auto conn = Connect(dsn);
  if (!conn.ok()) return conn;
  try {
    pqxx::nontransaction tx(**conn);
    tx.exec("SET plan_cache_mode = force_generic_plan");
  } catch (...) {
    return StatusFromCurrentException();
  }
  return conn;
}

// An idle connection has nothing to read; if its socket is readable, the server closed it
// (or is about to: a session-ending notice precedes the close).
bool ClosedByServer(pqxx::connection& conn) {
  pollfd fd{conn.sock(), POLLIN, 0};
  if (fd.fd < 0) return true;
  return poll(&fd, 1, 0) != 0;
}

}  // namespace

PgPool::PgPool(PgPoolOptions options, std::vector<std::unique_ptr<pqxx::connection>> conns)
    : options_(std::move(options)), idle_(std::move(conns)) {}

absl::StatusOr<PgPool::Connection> PgPool::Acquire(bool fresh) {
  if (!mu_.LockWhenWithTimeout(absl::Condition(this, &PgPool::HasIdle), options_.acquire_timeout)) {
    mu_.Unlock();
    return absl::UnavailableError(absl::StrCat("no free Postgres connection within ",
                                               absl::FormatDuration(options_.acquire_timeout)));
  }
  std::unique_ptr<pqxx::connection> conn = std::move(idle_.back());
  idle_.pop_back();
  mu_.Unlock();

  if (fresh || conn == nullptr || !conn->is_open() || ClosedByServer(*conn)) {
    conn.reset();
    auto connected = ConnectForPool(options_.dsn);
    if (!connected.ok()) {
      Release(nullptr);
      return connected.status();
    }
    conn = std::move(*connected);
  }
  return Connection(this, std::move(conn));
}

void PgPool::Release(std::unique_ptr<pqxx::connection> conn) {
  absl::MutexLock lock(&mu_);
  idle_.push_back(std::move(conn));
}

absl::StatusOr<std::shared_ptr<PgPool>> OpenPgPool(const PgPoolOptions& options) {
  if (options.dsn.empty()) return absl::InvalidArgumentError("PgPoolOptions.dsn is empty");
  if (options.size < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("PgPoolOptions.size must be at least 1, got ", options.size));
  }
  std::vector<std::unique_ptr<pqxx::connection>> conns;
  for (int i = 0; i < options.size; ++i) {
    auto conn = ConnectForPool(options.dsn);
    if (!conn.ok()) return conn.status();
    conns.push_back(std::move(*conn));
  }
  return std::make_shared<PgPool>(options, std::move(conns));
}

pqxx::binarystring ToBytea(const google::protobuf::MessageLite& message) {
  return pqxx::binarystring(message.SerializeAsString());
}

bool ReadProto(const pqxx::field& field, google::protobuf::MessageLite* message) {
  if (field.is_null()) return false;
  pqxx::binarystring bytes(field);
  if (!message->ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    throw std::runtime_error(
        absl::StrCat("column ", field.name(), " holds a corrupt ", message->GetTypeName()));
  }
  return true;
}

google::protobuf::Timestamp ToTimestamp(int64_t unix_micros) {
  google::protobuf::Timestamp ts;
  int64_t seconds = unix_micros / 1'000'000;
  int64_t micros = unix_micros % 1'000'000;
  if (micros < 0) {
    micros += 1'000'000;
    seconds -= 1;
  }
  ts.set_seconds(seconds);
  ts.set_nanos(static_cast<int32_t>(micros * 1000));
  return ts;
}

int64_t ToMicros(absl::Duration d) { return absl::ToInt64Microseconds(d); }

void ArrayLiteral::Separate() {
  if (!empty_) text_.push_back(',');
  empty_ = false;
}

void ArrayLiteral::AddText(absl::string_view value) {
  Separate();
  text_.push_back('"');
  for (char c : value) {
    if (c == '"' || c == '\\') text_.push_back('\\');
    text_.push_back(c);
  }
  text_.push_back('"');
}

void ArrayLiteral::AddInt(int64_t value) {
  Separate();
  absl::StrAppend(&text_, value);
}

void ArrayLiteral::AddBytes(absl::string_view bytes) {
  Separate();
  // "\\x..." inside the quoted element is the bytea hex input "\x...".
  absl::StrAppend(&text_, "\"\\\\x", absl::BytesToHexString(bytes), "\"");
}

void ArrayLiteral::AddNull() {
  Separate();
  text_.append("NULL");
}

std::string ArrayLiteral::Finish() && {
  text_.push_back('}');
  return std::move(text_);
}

}  // namespace octo::store
