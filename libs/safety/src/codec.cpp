#include "octo/safety/codec.h"

#include <algorithm>

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

}  // namespace octo::safety
