#include "octo/safety/redact.h"

#include <algorithm>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "octo/common/enum_names.h"
#include "octo/common/hash.h"

namespace octo::safety {
namespace {

void AppendTypedMask(PiiType type, std::string& out) {
  out.push_back('[');
  out.append(PiiTypeName(type));
  out.push_back(']');
}

void AppendHash(PiiType type, std::string_view value, std::string& out) {
  const std::string digest = common::Sha256(absl::string_view(value.data(), value.size()));
  out.push_back('[');
  out.append(PiiTypeName(type));
  out.push_back(':');
  out.append(absl::BytesToHexString(absl::string_view(digest).substr(0, 4)));
  out.push_back(']');
}

void AppendKeepLast4(PiiType type, std::string_view value, std::string& out) {
  size_t alnum =
      static_cast<size_t>(std::count_if(value.begin(), value.end(), absl::ascii_isalnum));
  bool multiline = value.find('\n') != std::string_view::npos;
  if (type == PiiType::kSecret || alnum <= 8 || multiline) {
    AppendTypedMask(type, out);
    return;
  }
  size_t seen = 0;
  for (char c : value) {
    if (absl::ascii_isalnum(c)) {
      ++seen;
      out.push_back(seen + 4 > alnum ? c : '*');
    } else {
      out.push_back(c);
    }
  }
}

}  // namespace

std::string Redact(std::string_view text, std::span<const PiiFinding> findings,
                   RedactionStrategy strategy) {
  struct Span {
    uint32_t start, end;
    PiiType type;
  };
  std::vector<Span> spans;
  spans.reserve(findings.size());
  const auto size = static_cast<uint32_t>(text.size());
  for (const PiiFinding& f : findings) {
    uint32_t s = std::min(f.start, size), e = std::min(f.end, size);
    if (s < e) spans.push_back({s, e, f.type});
  }
  std::sort(spans.begin(), spans.end(),
            [](const Span& a, const Span& b) { return a.start < b.start; });
  std::string out;
  out.reserve(text.size() + spans.size() * 8);
  uint32_t pos = 0;
  for (size_t i = 0; i < spans.size();) {
    Span cur = spans[i++];
    while (i < spans.size() && spans[i].start < cur.end) {  // merge overlaps
      cur.end = std::max(cur.end, spans[i].end);
      ++i;
    }
    out.append(text.substr(pos, cur.start - pos));
    std::string_view value = text.substr(cur.start, cur.end - cur.start);
    switch (strategy) {
      case RedactionStrategy::kTypedMask:
        AppendTypedMask(cur.type, out);
        break;
      case RedactionStrategy::kHash:
        AppendHash(cur.type, value, out);
        break;
      case RedactionStrategy::kKeepLast4:
        AppendKeepLast4(cur.type, value, out);
        break;
      case RedactionStrategy::kRemove:
        break;
    }
    pos = cur.end;
  }
  out.append(text.substr(pos));
  return out;
}

namespace {

constexpr common::EnumName<RedactionStrategy> kStrategyNames[] = {
    {RedactionStrategy::kTypedMask, "typed_mask"},
    {RedactionStrategy::kHash, "hash"},
    {RedactionStrategy::kKeepLast4, "keep_last4"},
    {RedactionStrategy::kRemove, "remove"}};

}  // namespace

bool ParseRedactionStrategy(std::string_view name, RedactionStrategy* strategy) {
  return common::ParseName(kStrategyNames, name, strategy);
}

}  // namespace octo::safety
