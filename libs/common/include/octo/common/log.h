// Structured logging: one JSON object per line on stderr.
#pragma once

#include <initializer_list>
#include <string>
#include "absl/status/status.h"
#include "absl/strings/string_view.h"

namespace octo::log {

enum class Level { kDebug, kInfo, kWarn, kError };

// A key/value pair added to a log line.
struct Field {
  absl::string_view key;
  std::string value;
};

// Sets the service name on every line and the minimum level. Call once at start-up;
// defaults are service "octo" and kInfo. Thread-safe afterwards.
void Init(absl::string_view service, Level min_level);
// Parses "debug", "info", "warn", "error"; false when unknown.
bool ParseLevel(absl::string_view text, Level* level);
// Init with the level named `level_name`; a name that is not a level is fatal.
void InitOrExit(absl::string_view service, absl::string_view level_name);

// Logs `status` as a fatal start-up error and exits with status 1. For bad configuration
// and resources a process cannot start without.
[[noreturn]] void Fatal(const absl::Status& status);

// Trace and task ids added to every line written on this thread while the scope lives.
// Scopes nest; the innermost non-empty value wins.
class Scope {
 public:
  Scope(absl::string_view trace_id, absl::string_view span_id, absl::string_view task_id = {});
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  std::string prev_trace_, prev_span_, prev_task_;
};

// Writes {"time","level","service","message",trace_id,span_id,task_id,...fields} atomically.
void Write(Level level, absl::string_view message, std::initializer_list<Field> fields = {});

inline void Debug(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kDebug, m, f);
}
inline void Info(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kInfo, m, f);
}
inline void Warn(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kWarn, m, f);
}
inline void Error(absl::string_view m, std::initializer_list<Field> f = {}) {
  Write(Level::kError, m, f);
}

// Appends `text` to `out` as a JSON string literal (quotes included). Invalid UTF-8 bytes
// become U+FFFD.
void AppendJsonString(std::string* out, absl::string_view text);

}  // namespace octo::log
