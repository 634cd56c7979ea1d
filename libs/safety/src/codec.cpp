#include "octo/safety/codec.h"

#include <array>
#include <cstdint>

#include "absl/strings/string_view.h"
#include "octo/common/utf8.h"

namespace octo::safety {
namespace {

constexpr std::array<int8_t, 256> MakeBase64Table() {
  std::array<int8_t, 256> t{};
  for (auto& v : t) v = -1;
  for (int i = 0; i < 26; ++i) {
    t['A' + i] = static_cast<int8_t>(i);
    t['a' + i] = static_cast<int8_t>(26 + i);
  }
  for (int i = 0; i < 10; ++i) t['0' + i] = static_cast<int8_t>(52 + i);
  t['+'] = 62;
  t['-'] = 62;
  t['/'] = 63;
  t['_'] = 63;
  return t;
}
constexpr std::array<int8_t, 256> kBase64 = MakeBase64Table();

int HexValue(unsigned char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::optional<std::string> DecodeBase64(std::string_view in) {
  while (!in.empty() && in.back() == '=') in.remove_suffix(1);
  if (in.size() % 4 == 1) return std::nullopt;
  std::string out;
  out.reserve(in.size() * 3 / 4 + 2);
  uint32_t acc = 0;
  int bits = 0;
  for (unsigned char c : in) {
    int v = kBase64[c];
    if (v < 0) return std::nullopt;
    acc = (acc << 6) | static_cast<uint32_t>(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out.push_back(static_cast<char>((acc >> bits) & 0xFF));
    }
  }
  return out;
}

std::optional<std::string> DecodeHex(std::string_view in) {
  if (in.size() % 2 != 0) return std::nullopt;
  std::string out;
  out.reserve(in.size() / 2);
  for (size_t i = 0; i < in.size(); i += 2) {
    int hi = HexValue(static_cast<unsigned char>(in[i]));
    int lo = HexValue(static_cast<unsigned char>(in[i + 1]));
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string Rot13(std::string_view in) {
  std::string out(in);
  for (char& c : out) {
    if (c >= 'a' && c <= 'z') {
      c = static_cast<char>('a' + (c - 'a' + 13) % 26);
    } else if (c >= 'A' && c <= 'Z') {
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
      if ((c >= 0x20 && c < 0x7F) || c == '\n' || c == '\t' || c == '\r') ++printable;
      if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') letter = true;
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
