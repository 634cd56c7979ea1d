#include "octo/common/log.h"

#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "octo/common/enum_names.h"
#include "octo/common/utf8.h"

namespace octo::log {
namespace {

struct Global {
  absl::Mutex mu;
  std::string service ABSL_GUARDED_BY(mu) = "octo";
  std::atomic<int> min_level{static_cast<int>(Level::kInfo)};
};

Global& G() {
  static Global* g = new Global();
  return *g;
}

thread_local std::string t_trace_id;
thread_local std::string t_span_id;
thread_local std::string t_task_id;

constexpr common::EnumName<Level> kLevelNames[] = {{Level::kDebug, "debug"},
                                                   {Level::kInfo, "info"},
                                                   {Level::kWarn, "warn"},
                                                   {Level::kError, "error"}};

const char* LevelName(Level level) {
  return common::NameOf(kLevelNames, level, "info").data();  // names are string literals
}

void AppendField(std::string* out, absl::string_view key, absl::string_view value) {
  out->push_back(',');
  AppendJsonString(out, key);
  out->push_back(':');
  AppendJsonString(out, value);
}

}  // namespace

void Init(absl::string_view service, Level min_level) {
  absl::MutexLock lock(&G().mu);
  G().service = std::string(service);
  G().min_level = static_cast<int>(min_level);
}

bool ParseLevel(absl::string_view text, Level* level) {
  return common::ParseName(kLevelNames, std::string_view(text.data(), text.size()), level);
}

void InitOrExit(absl::string_view service, absl::string_view level_name) {
  Level level;
  if (!ParseLevel(level_name, &level)) {
    Init(service, Level::kInfo);
    Fatal(absl::InvalidArgumentError("log_level: expected debug, info, warn or error"));
  }
  Init(service, level);
}

void Fatal(const absl::Status& status) {
  Error("fatal", {{"error", status.ToString()}});
  std::exit(1);
}

Scope::Scope(absl::string_view trace_id, absl::string_view span_id, absl::string_view task_id)
    : prev_trace_(t_trace_id), prev_span_(t_span_id), prev_task_(t_task_id) {
  if (!trace_id.empty()) t_trace_id = std::string(trace_id);
  if (!span_id.empty()) t_span_id = std::string(span_id);
  if (!task_id.empty()) t_task_id = std::string(task_id);
}

Scope::~Scope() {
  t_trace_id = std::move(prev_trace_);
  t_span_id = std::move(prev_span_);
  t_task_id = std::move(prev_task_);
}

void Write(Level level, absl::string_view message, std::initializer_list<Field> fields) {
  if (static_cast<int>(level) < G().min_level.load(std::memory_order_relaxed)) return;
  std::string line;
  line.reserve(256);
  line += "{\"time\":\"";
  line += absl::FormatTime("%Y-%m-%dT%H:%M:%E6SZ", absl::Now(), absl::UTCTimeZone());
  line += "\",\"level\":\"";
  line += LevelName(level);
  line += "\"";
  {
    absl::MutexLock lock(&G().mu);
    AppendField(&line, "service", G().service);
  }
  AppendField(&line, "message", message);
  if (!t_trace_id.empty()) AppendField(&line, "trace_id", t_trace_id);
  if (!t_span_id.empty()) AppendField(&line, "span_id", t_span_id);
  if (!t_task_id.empty()) AppendField(&line, "task_id", t_task_id);
  for (const Field& f : fields) AppendField(&line, f.key, f.value);
  line += "}\n";
  // One write(2) per line keeps lines whole when several threads log at once.
  size_t off = 0;
  while (off < line.size()) {
    ssize_t n = ::write(STDERR_FILENO, line.data() + off, line.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
}

void AppendJsonString(std::string* out, absl::string_view text) {
  out->push_back('"');
  size_t i = 0;
  while (i < text.size()) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      switch (c) {
        case '"': *out += "\\\""; break;
        case '\\': *out += "\\\\"; break;
        case '\n': *out += "\\n"; break;
        case '\r': *out += "\\r"; break;
        case '\t': *out += "\\t"; break;
        default:
          if (c < 0x20 || c == 0x7f) {
            absl::StrAppendFormat(out, "\\u%04x", c);
          } else {
            out->push_back(static_cast<char>(c));
          }
      }
      ++i;
      continue;
    }
    size_t len = common::Utf8SequenceLength(text.substr(i));
    if (len == 0) {
      *out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out->append(text.data() + i, len);
      i += len;
    }
  }
  out->push_back('"');
}

}  // namespace octo::log
