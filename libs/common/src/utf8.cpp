#include "octo/common/utf8.h"

namespace octo::common {

size_t DecodeUtf8(absl::string_view text, char32_t* cp) {
  if (text.empty()) return 0;
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const size_t n = text.size();
  const unsigned char c = s[0];
  if (c < 0x80) {
    *cp = c;
    return 1;
  }
  auto cont = [&](size_t i) { return i < n && (s[i] & 0xC0) == 0x80; };
  auto bits = [&](size_t i) { return static_cast<char32_t>(s[i] & 0x3F); };
  if (c >= 0xC2 && c <= 0xDF) {
    if (!cont(1)) return 0;
    *cp = static_cast<char32_t>(c & 0x1F) << 6 | bits(1);
    return 2;
  }
  if (c >= 0xE0 && c <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    if (c == 0xE0 && s[1] < 0xA0) return 0;   // overlong
    if (c == 0xED && s[1] >= 0xA0) return 0;  // surrogate
    *cp = static_cast<char32_t>(c & 0x0F) << 12 | bits(1) << 6 | bits(2);
    return 3;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    if (c == 0xF0 && s[1] < 0x90) return 0;   // overlong
    if (c == 0xF4 && s[1] >= 0x90) return 0;  // > U+10FFFF
    *cp = static_cast<char32_t>(c & 0x07) << 18 | bits(1) << 12 | bits(2) << 6 | bits(3);
    return 4;
  }
  return 0;
}

size_t Utf8SequenceLength(absl::string_view text) {
  char32_t cp;
  return DecodeUtf8(text, &cp);
}

void AppendUtf8(char32_t cp, std::string* out) {
  if ((cp >= 0xD800 && cp <= 0xDFFF) || cp > 0x10FFFF) cp = 0xFFFD;
  if (cp < 0x80) {
    out->push_back(static_cast<char>(cp));
    return;
  }
  const int extra = cp < 0x800 ? 1 : cp < 0x10000 ? 2 : 3;
  constexpr unsigned char kLead[] = {0, 0xC0, 0xE0, 0xF0};
  out->push_back(static_cast<char>(kLead[extra] | (cp >> (6 * extra))));
  for (int k = extra - 1; k >= 0; --k) {
    out->push_back(static_cast<char>(0x80 | ((cp >> (6 * k)) & 0x3F)));
  }
}

bool IsValidUtf8(absl::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    // Fast path over ASCII.
    if (static_cast<unsigned char>(text[i]) < 0x80) {
      ++i;
      continue;
    }
    size_t len = Utf8SequenceLength(text.substr(i));
    if (len == 0) return false;
    i += len;
  }
  return true;
}

size_t Utf8Length(absl::string_view text) {
  size_t count = 0;
  for (char ch : text) {
    if (!IsUtf8ContinuationByte(ch)) ++count;
  }
  return count;
}

bool HasControlCharacters(absl::string_view text) {
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = static_cast<unsigned char>(text[i]);
    if (c < 0x20 && c != '\t' && c != '\n' && c != '\r') return true;
    if (c == 0x7F) return true;
    // C1 controls are U+0080..U+009F: encoded as C2 80..C2 9F.
    if (c == 0xC2 && i + 1 < text.size()) {
      const unsigned char d = static_cast<unsigned char>(text[i + 1]);
      if (d >= 0x80 && d <= 0x9F) return true;
    }
  }
  return false;
}

std::string ToValidUtf8(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  size_t i = 0;
  while (i < text.size()) {
    size_t len = Utf8SequenceLength(text.substr(i));
    if (len == 0) {
      out += "\xEF\xBF\xBD";
      ++i;
    } else {
      out.append(text.data() + i, len);
      i += len;
    }
  }
  return out;
}

absl::string_view TruncateUtf8(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return text;
  size_t cut = max_bytes;
  while (cut > 0 && IsUtf8ContinuationByte(text[cut])) --cut;
  return text.substr(0, cut);
}

}  // namespace octo::common
