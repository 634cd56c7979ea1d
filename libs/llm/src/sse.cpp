#include "octo/llm/sse.h"

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"

namespace octo::llm {

absl::Status SseParser::Feed(absl::string_view chunk,
                             const std::function<absl::Status(const SseEvent&)>& on_event) {
  for (char c : chunk) {
    if (saw_cr_) {
      saw_cr_ = false;
      if (c == '\n') continue;  // the "\n" of a "\r\n" ending
    }
    if (c == '\r' || c == '\n') {
      saw_cr_ = c == '\r';
      std::string line = std::move(line_);
      line_.clear();
      if (absl::Status status = Line(line, on_event); !status.ok()) return status;
      continue;
    }
    if (line_.size() >= max_event_bytes_) {
      return absl::OutOfRangeError(
          absl::StrCat("event stream line longer than ", max_event_bytes_, " bytes"));
    }
    line_.push_back(c);
  }
  return absl::OkStatus();
}

absl::Status SseParser::Line(absl::string_view line,
                             const std::function<absl::Status(const SseEvent&)>& on_event) {
  if (line.empty()) {  // dispatch
    absl::Status status = absl::OkStatus();
    if (has_data_) status = on_event(event_);
    event_ = SseEvent{};
    has_data_ = false;
    return status;
  }
  if (line.front() == ':') return absl::OkStatus();  // comment
  absl::string_view field = line;
  absl::string_view value;
  if (size_t colon = line.find(':'); colon != absl::string_view::npos) {
    field = line.substr(0, colon);
    value = line.substr(colon + 1);
    if (absl::StartsWith(value, " ")) value.remove_prefix(1);
  }
  if (field == "data") {
    if (event_.data.size() + value.size() + 1 > max_event_bytes_) {
      return absl::OutOfRangeError(
          absl::StrCat("event stream event larger than ", max_event_bytes_, " bytes"));
    }
    if (has_data_) event_.data.push_back('\n');
    event_.data.append(value.data(), value.size());
    has_data_ = true;
  } else if (field == "event") {
    event_.event = std::string(value);
  }
  return absl::OkStatus();
}

}  // namespace octo::llm
