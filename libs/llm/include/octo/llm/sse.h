// An incremental parser of server-sent events (text/event-stream) that takes the stream in
// chunks split at any byte.
#pragma once

#include <functional>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace octo::llm {

struct SseEvent {
  // The "event:" field; empty when the event named none.
  std::string event;
  // The "data:" lines joined with "\n".
  std::string data;
};

// Not thread-safe. Lines end with "\n", "\r\n" or "\r"; comments (":...") and unknown fields
// are ignored; an event is dispatched at a blank line when it has data.
class SseParser {
 public:
  // A line (or an event's data) longer than this fails with OUT_OF_RANGE. Default 1 MiB.
  explicit SseParser(size_t max_event_bytes = 1 << 20) : max_event_bytes_(max_event_bytes) {}

  // Feeds the next chunk; calls `on_event` for every event it completes. Stops at the first
  // error `on_event` returns and returns it.
  absl::Status Feed(absl::string_view chunk,
                    const std::function<absl::Status(const SseEvent&)>& on_event);

 private:
  absl::Status Line(absl::string_view line,
                    const std::function<absl::Status(const SseEvent&)>& on_event);

  size_t max_event_bytes_;
  std::string line_;
  bool saw_cr_ = false;
  SseEvent event_;
  bool has_data_ = false;
};

}  // namespace octo::llm
