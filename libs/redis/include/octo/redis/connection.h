// One blocking connection to Redis, and the replies it reads.
//
// This library is the project's hiredis adapter, yet hiredis stays in src/: a reply is copied
// into a Reply (a few small allocations, nothing next to a network round trip), so callers
// neither include hiredis nor free its replies, and tests can build replies by hand.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"
#include "octo/redis/options.h"

namespace octo::redis {

// A RESP2 reply, owning its data.
struct Reply {
  enum class Type { kString, kArray, kInteger, kNil, kStatus, kError };

  Type type = Type::kNil;
  // The bytes of a kString, the text of a kStatus or kError; empty otherwise.
  std::string str;
  // The value of a kInteger; 0 otherwise.
  int64_t integer = 0;
  // The elements of a kArray; empty otherwise.
  std::vector<Reply> elements;
};

// Commands are sent and answered one at a time. Not thread-safe; movable.
class Connection {
 public:
  // Connects within options.connect_timeout; reads and writes then time out after
  // options.command_timeout. UNAVAILABLE, with hiredis' reason, when that fails. Since
  // hiredis writes with write(2), the first call sets SIGPIPE to SIG_IGN process-wide (see
  // common::IgnoreSigpipe).
  static absl::StatusOr<Connection> Open(const RedisOptions& options);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  ~Connection();

  // Sends one command (arguments are binary-safe) and reads its reply. Error replies
  // (Type::kError) are replies: the connection is fine. UNAVAILABLE when writing or reading
  // failed or timed out; the connection is then unusable.
  absl::StatusOr<Reply> Command(absl::Span<const absl::string_view> args);

  // Turns on TCP keep-alive, for connections that stay idle for long (subscriptions).
  void EnableKeepAlive();

  // For replies the server pushes unasked (pub/sub messages after SUBSCRIBE): one already
  // read, else waits up to `timeout` for more data. nullopt when no whole reply has come.
  // UNAVAILABLE when the connection failed; it is then unusable.
  absl::StatusOr<std::optional<Reply>> Receive(absl::Duration timeout);

 private:
  struct Context;  // owns the hiredis context
  explicit Connection(std::unique_ptr<Context> context);

  std::unique_ptr<Context> context_;
};

}  // namespace octo::redis
