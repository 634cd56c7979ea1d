// Postgres LISTEN on a dedicated connection, reconnecting by itself.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace octo::store {

// Calls `on_notify(channel, payload)` from its own thread for each notification on `channels`.
// After a lost connection it reconnects with backoff (0.1 s doubling to 5 s) and calls
// `on_notify("", "")` once reconnected, so callers can re-scan for anything missed. The
// destructor stops it within about 0.2 s. `on_notify` must not block for long.
class NotificationListener {
 public:
  using Callback = std::function<void(absl::string_view channel, absl::string_view payload)>;
  virtual ~NotificationListener() = default;
};

// Returns once LISTEN is in effect: a notification sent after this returns is delivered.
// UNAVAILABLE when the first connection fails; INVALID_ARGUMENT for no channels.
absl::StatusOr<std::unique_ptr<NotificationListener>> StartNotificationListener(
    const std::string& dsn, std::vector<std::string> channels,
    NotificationListener::Callback on_notify);

}  // namespace octo::store
