#include "octo/safety/codec.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/string_view.h"
#include "octo/common/utf8.h"

namespace octo::safety {

std::optional<std::string> DecodeBase64(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  // absl takes one alphabet at a time and skips whitespace; this accepts both alphabets, even
  // mixed, and nothing else.
  std::string standard(in);
  for (char& c : standard) {
    if (c == '-') {
      c = '+';
    } else if (c == '_') {
      c = '/';
    } else if (!absl::ascii_isalnum(c) && c != '+' && c != '/') {
      return std::nullopt;
    }
  }
  std::string out;
  if (!absl::Base64Unescape(standard, &out)) return std::nullopt;
  return out;
}

std::optional<std::string> DecodeHex(std::string_view in) {
  if (in.size() % 2 != 0 || !std::all_of(in.begin(), in.end(), absl::ascii_isxdigit)) {
    return std::nullopt;
  }
  return absl::HexStringToBytes(absl::string_view(in.data(), in.size()));
}

std::string Rot13(std::string_view in) {
  std::string out(in);
  for (char& c : out) {
    if (absl::ascii_islower(c)) {
      c = static_cast<char>('a' + (c - 'a' + 13) % 26);
    } else if (absl::ascii_isupper(c)) {
      c = static_cast<char>('A' + (c - 'A' + 13) % 26);
    }
  }
  return out;
}

bool LooksLikeText(std::string_view bytes) {
  if (bytes.empty()) return false;
  size_t printable = 0, chars = 0;
  bool letter = false;
  for (size_t i = 0; i < bytes.size();) {
    unsigned char c = static_cast<unsigned char>(bytes[i]);
    ++chars;
    if (c < 0x80) {
      if (absl::ascii_isprint(c) || c == '\n' || c == '\t' || c == '\r') ++printable;
      if (absl::ascii_isalpha(c)) letter = true;
      ++i;
      continue;
    }
    const size_t len =
        common::Utf8SequenceLength(absl::string_view(bytes.data() + i, bytes.size() - i));
    if (len == 0) return false;
    ++printable;
    i += len;
  }
  return letter && printable * 10 >= chars * 9;
}

void ForEachEncodedRun(std::string_view t, size_t min_run,
                       absl::FunctionRef<void(uint32_t, uint32_t, std::string)> fn) {
  static constexpr auto kClass = [] {
    std::array<uint8_t, 256> c{};  // 1 base64, 2 hex + base64
    for (int i = 'A'; i <= 'Z'; ++i) c[i] = 1;
    for (int i = 'a'; i <= 'z'; ++i) c[i] = 1;
    for (int i = '0'; i <= '9'; ++i) c[i] = 2;
    for (int i = 'a'; i <= 'f'; ++i) c[i] = 2;
    for (int i = 'A'; i <= 'F'; ++i) c[i] = 2;
    c['+'] = c['/'] = c['-'] = c['_'] = 1;
    return c;
  }();
  const size_t n = t.size();
  auto cls = [&](size_t k) { return kClass[static_cast<unsigned char>(t[k])]; };
  // Any run of min_run or more covers a multiple of min_run: probe only those
  // positions and expand around the ones inside a run.
  size_t next = 0;  // runs before this index have been handled
  for (size_t probe = min_run - 1; probe < n; probe += min_run) {
    if (probe < next || cls(probe) == 0) continue;
    size_t s = probe;
    while (s > next && cls(s - 1) != 0) --s;
    size_t e = probe + 1;
    bool all_hex = true;
    for (size_t k = s; k < e; ++k) all_hex &= cls(k) == 2;
    while (e < n && cls(e) != 0) {
      all_hex &= cls(e) == 2;
      ++e;
    }
    size_t i = e;
    while (i < n && t[i] == '=' && i - e < 2) ++i;
    next = i;
    if (e - s < min_run) continue;
    std::optional<std::string> decoded;
    if (all_hex && (e - s) % 2 == 0) decoded = DecodeHex(t.substr(s, e - s));
    if (!decoded || !LooksLikeText(*decoded)) decoded = DecodeBase64(t.substr(s, i - s));
    if (decoded && LooksLikeText(*decoded)) {
      fn(static_cast<uint32_t>(s), static_cast<uint32_t>(i), std::move(*decoded));
    }
  }
}

}  // namespace octo::safety
