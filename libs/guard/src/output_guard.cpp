#include "octo/guard/output_guard.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "google/protobuf/descriptor.h"
#include "google/protobuf/message.h"

namespace octo::guard {
namespace {

using Range = std::pair<size_t, size_t>;

// A line longer than this is withheld by the sentence rather than whole.
constexpr size_t kLongLine = 400;
// Rescans after withholding before the whole text goes.
constexpr int kMaxPasses = 3;

bool EndsSentence(std::string_view text, size_t i) {
  const char c = text[i];
  return (c == '.' || c == '!' || c == '?') && (i + 1 == text.size() || text[i + 1] == ' ');
}

// The line around [start, end), or the sentence when the line is long.
Range Enclosing(std::string_view text, size_t start, size_t end) {
  size_t from = 0;
  if (start > 0) {
    const size_t newline = text.rfind('\n', start - 1);
    if (newline != std::string_view::npos) from = newline + 1;
  }
  size_t to = text.find('\n', end);
  if (to == std::string_view::npos) to = text.size();
  if (to - from <= kLongLine) return {from, to};
  size_t s = start;
  while (s > from && !EndsSentence(text, s - 1)) --s;
  while (s < start && text[s] == ' ') ++s;
  size_t e = end;
  while (e < to && !EndsSentence(text, e)) ++e;
  return {s, std::min(to, e + 1)};
}

template <typename Fn>
void ForEachString(google::protobuf::Message* message, const Fn& fn) {
  using google::protobuf::FieldDescriptor;
  const google::protobuf::Reflection* reflection = message->GetReflection();
  std::vector<const FieldDescriptor*> fields;
  reflection->ListFields(*message, &fields);
  for (const FieldDescriptor* field : fields) {
    if (field->type() == FieldDescriptor::TYPE_STRING) {
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          reflection->SetRepeatedString(message, field, i,
                                        fn(reflection->GetRepeatedString(*message, field, i)));
        }
      } else {
        reflection->SetString(message, field, fn(reflection->GetString(*message, field)));
      }
    } else if (field->type() == FieldDescriptor::TYPE_MESSAGE) {
      if (field->message_type() == v1::GuardReport::descriptor()) continue;
      if (field->is_repeated()) {
        for (int i = 0; i < reflection->FieldSize(*message, field); ++i) {
          ForEachString(reflection->MutableRepeatedMessage(message, field, i), fn);
        }
      } else {
        ForEachString(reflection->MutableMessage(message, field), fn);
      }
    }
  }
}

void Add(google::protobuf::Map<std::string, int32_t>* counts, std::string_view key, int n) {
  (*counts)[std::string(key)] += n;
}

std::string Counts(const google::protobuf::Map<std::string, int32_t>& counts) {
  std::vector<std::pair<std::string, int32_t>> sorted(counts.begin(), counts.end());
  std::sort(sorted.begin(), sorted.end());
  return absl::StrJoin(sorted, ", ", [](std::string* out, const auto& entry) {
    absl::StrAppend(out, entry.second, " ", entry.first);
  });
}

}  // namespace

OutputGuard::OutputGuard(GuardOptions options) : options_(options) {}

std::string OutputGuard::Withhold(std::string_view text, v1::GuardReport* report) const {
  std::string current(text);
  for (int pass = 0; pass < kMaxPasses; ++pass) {
    const safety::InjectionResult found = injection_.Scan(current);
    if (found.score < options_.withhold_score) return current;
    std::vector<std::pair<Range, std::string_view>> ranges;
    for (const safety::InjectionFinding& f : found.findings) {
      if (f.confidence >= options_.withhold_score) {
        ranges.push_back({Enclosing(current, f.start, f.end), f.family});
      }
    }
    std::sort(ranges.begin(), ranges.end());
    std::string next;
    size_t at = 0;
    for (const auto& [range, family] : ranges) {
      if (range.second <= at) continue;  // inside a range already withheld
      if (range.first >= at) {
        next.append(current, at, range.first - at);
        next.append(kWithheld);
        Add(report->mutable_withheld(), family, 1);
      }
      at = range.second;
    }
    next.append(current, at, std::string::npos);
    current = std::move(next);
  }
  const safety::InjectionResult left = injection_.Scan(current);
  if (left.score < options_.withhold_score) return current;
  Add(report->mutable_withheld(), left.top_family(), 1);
  return std::string(kWithheld);
}

std::string OutputGuard::GuardText(std::string_view text, safety::RedactionStrategy redaction,
                                   v1::GuardReport* report) const {
  if (text.empty()) return std::string();
  const std::string kept = Withhold(text, report);
  const std::vector<safety::PiiFinding> pii = pii_.Scan(kept);
  if (pii.empty()) return kept;
  for (const safety::PiiFinding& f : pii) Add(report->mutable_redacted(), PiiTypeName(f.type), 1);
  return safety::Redact(kept, pii, redaction);
}

v1::GuardReport OutputGuard::Guard(v1::ArmOutput* output,
                                   safety::RedactionStrategy redaction) const {
  v1::GuardReport report;
  ForEachString(output, [&](const std::string& text) {
    return GuardText(text, redaction, &report);
  });
  return report;
}

bool IsClean(const v1::GuardReport& report) {
  return report.redacted().empty() && report.withheld().empty();
}

std::string Summary(const v1::GuardReport& report) {
  std::vector<std::string> parts;
  if (!report.redacted().empty()) parts.push_back(absl::StrCat("redacted ", Counts(report.redacted())));
  if (!report.withheld().empty()) {
    int lines = 0;
    for (const auto& [family, n] : report.withheld()) lines += n;
    std::vector<std::string> families;
    for (const auto& [family, n] : report.withheld()) families.push_back(family);
    std::sort(families.begin(), families.end());
    parts.push_back(absl::StrCat("withheld ", lines, lines == 1 ? " line (" : " lines (",
                                 absl::StrJoin(families, ", "), ")"));
  }
  return absl::StrJoin(parts, "; ");
}

void Merge(const v1::GuardReport& more, v1::GuardReport* report) {
  for (const auto& [type, n] : more.redacted()) Add(report->mutable_redacted(), type, n);
  for (const auto& [family, n] : more.withheld()) Add(report->mutable_withheld(), family, n);
}

}  // namespace octo::guard
