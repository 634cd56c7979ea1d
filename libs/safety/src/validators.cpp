#include "octo/safety/validators.h"

#include <arpa/inet.h>

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "octo/common/hash.h"
#include "octo/safety/codec.h"

namespace octo::safety {
namespace {

// Collects the digits of `s`, allowing spaces and dashes. Returns false on anything else.
bool Digits(std::string_view s, std::string& out) {
  out.clear();
  for (char c : s) {
    if (absl::ascii_isdigit(c)) {
      out.push_back(c);
    } else if (c != ' ' && c != '-') {
      return false;
    }
  }
  return !out.empty();
}

struct IbanLength {
  char cc[3];
  uint8_t length;
};
// SWIFT IBAN registry lengths.
constexpr IbanLength kIbanLengths[] = {
    {"AD", 24}, {"AE", 23}, {"AL", 28}, {"AT", 20}, {"AZ", 28}, {"BA", 20}, {"BE", 16}, {"BG", 22},
    {"BH", 22}, {"BI", 27}, {"BR", 29}, {"BY", 28}, {"CH", 21}, {"CR", 22}, {"CY", 28}, {"CZ", 24},
    {"DE", 22}, {"DJ", 27}, {"DK", 18}, {"DO", 28}, {"EE", 20}, {"EG", 29}, {"ES", 24}, {"FI", 18},
    {"FK", 18}, {"FO", 18}, {"FR", 27}, {"GB", 22}, {"GE", 22}, {"GI", 23}, {"GL", 18}, {"GR", 27},
    {"GT", 28}, {"HN", 28}, {"HR", 21}, {"HU", 28}, {"IE", 22}, {"IL", 23}, {"IQ", 23}, {"IS", 26},
    {"IT", 27}, {"JO", 30}, {"KW", 30}, {"KZ", 20}, {"LB", 28}, {"LC", 32}, {"LI", 21}, {"LT", 20},
    {"LU", 20}, {"LV", 21}, {"LY", 25}, {"MC", 27}, {"MD", 24}, {"ME", 22}, {"MK", 19}, {"MN", 20},
    {"MR", 27}, {"MT", 31}, {"MU", 30}, {"NI", 28}, {"NL", 18}, {"NO", 15}, {"OM", 23}, {"PK", 24},
    {"PL", 28}, {"PS", 29}, {"PT", 25}, {"QA", 29}, {"RO", 24}, {"RS", 22}, {"RU", 33}, {"SA", 24},
    {"SC", 31}, {"SD", 18}, {"SE", 24}, {"SI", 19}, {"SK", 24}, {"SM", 27}, {"SO", 23}, {"ST", 25},
    {"SV", 28}, {"TL", 23}, {"TN", 24}, {"TR", 26}, {"UA", 29}, {"VA", 22}, {"VG", 24}, {"XK", 20},
    {"YE", 30},
};

constexpr std::string_view kBase58Alphabet =
    "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz";

constexpr std::string_view kBech32Charset = "qpzry9x8gf2tvdw0s3jn54khce6mua7l";

uint32_t Bech32Polymod(const uint8_t* values, size_t n) {
  static constexpr uint32_t kGen[5] = {0x3b6a57b2, 0x26508e6d, 0x1ea119fa, 0x3d4233dd, 0x2a1462b3};
  uint32_t chk = 1;
  for (size_t i = 0; i < n; ++i) {
    uint32_t top = chk >> 25;
    chk = ((chk & 0x1ffffff) << 5) ^ values[i];
    for (int b = 0; b < 5; ++b) {
      if ((top >> b) & 1) chk ^= kGen[b];
    }
  }
  return chk;
}

constexpr std::string_view kFileExtensions[] = {
    "png",  "jpg",  "jpeg", "gif", "svg",  "webp", "bmp",  "ico", "js",  "ts",  "css",
    "html", "htm",  "json", "xml", "txt",  "md",   "py",   "cpp", "cc",  "hpp", "rs",
    "go",   "java", "rb",   "php", "yaml", "yml",  "toml", "ini", "log", "csv", "pdf",
    "zip",  "gz",   "tar",  "exe", "dll",  "so",   "lock", "mp3", "mp4", "wav", "mov"};

}  // namespace

bool LuhnValid(std::string_view number) {
  std::string digits;
  if (!Digits(number, digits)) return false;
  int sum = 0;
  bool dbl = false;
  for (size_t i = digits.size(); i-- > 0;) {
    int d = digits[i] - '0';
    if (dbl) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
    dbl = !dbl;
  }
  return sum % 10 == 0;
}

bool IsPaymentCard(std::string_view number) {
  std::string d;
  if (!Digits(number, d)) return false;
  const size_t n = d.size();
  auto prefix = [&](size_t k) {
    int v = 0;
    for (size_t i = 0; i < k && i < n; ++i) v = v * 10 + (d[i] - '0');
    return v;
  };
  bool brand = false;
  if (d[0] == '4') {
    brand = n == 13 || n == 16 || n == 19;  // Visa
  } else if (n == 16 &&
             ((prefix(2) >= 51 && prefix(2) <= 55) || (prefix(4) >= 2221 && prefix(4) <= 2720))) {
    brand = true;  // Mastercard
  } else if (n == 15 && (prefix(2) == 34 || prefix(2) == 37)) {
    brand = true;  // Amex
  } else if (n >= 16 && n <= 19 &&
             (prefix(4) == 6011 || prefix(2) == 65 || (prefix(3) >= 644 && prefix(3) <= 649) ||
              (prefix(6) >= 622126 && prefix(6) <= 622925))) {
    brand = true;  // Discover
  }
  return brand && LuhnValid(d);
}

bool IsUsSsn(std::string_view s) {
  // The separator after the area, repeated after the group: "-", " ", ".", an en dash, or none.
  if (s.size() < 9 || !absl::ascii_isdigit(s[0]) || !absl::ascii_isdigit(s[1]) ||
      !absl::ascii_isdigit(s[2])) {
    return false;
  }
  size_t sep_end = 3;
  while (sep_end < s.size() && !absl::ascii_isdigit(s[sep_end])) ++sep_end;
  const std::string_view sep = s.substr(3, sep_end - 3);
  if (sep != "" && sep != "-" && sep != " " && sep != "." && sep != "\xE2\x80\x93") return false;
  const std::string_view group = s.substr(sep_end, 2);
  if (s.size() != 9 + 2 * sep.size() || s.substr(sep_end + 2, sep.size()) != sep) return false;
  const std::string_view serial = s.substr(sep_end + 2 + sep.size());
  const auto digits = [](std::string_view d) {
    return std::all_of(d.begin(), d.end(), [](char c) { return absl::ascii_isdigit(c); });
  };
  if (!digits(group) || !digits(serial)) return false;
  const int area = (s[0] - '0') * 100 + (s[1] - '0') * 10 + (s[2] - '0');
  if (area == 0 || area == 666 || area >= 900) return false;
  return group != "00" && serial != "0000";
}

bool IsIban(std::string_view s) {
  char compact[40];
  size_t n = 0;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    if (c == ' ') {
      if (n == 0 || n % 4 != 0 || i + 1 >= s.size() || s[i + 1] == ' ') return false;
      continue;
    }
    if (!absl::ascii_isdigit(c) && !absl::ascii_isupper(c)) return false;
    if (n >= sizeof(compact)) return false;
    compact[n++] = c;
  }
  if (n < 15 || !absl::ascii_isupper(compact[0]) || !absl::ascii_isupper(compact[1]) ||
      !absl::ascii_isdigit(compact[2]) || !absl::ascii_isdigit(compact[3])) {
    return false;
  }
  const IbanLength* entry = nullptr;
  for (const auto& e : kIbanLengths) {
    if (e.cc[0] == compact[0] && e.cc[1] == compact[1]) entry = &e;
  }
  if (entry == nullptr || entry->length != n) return false;
  // mod 97 over BBAN + country + check digits, letters as 10..35.
  uint32_t rem = 0;
  for (size_t k = 0; k < n; ++k) {
    char c = compact[(k + 4) % n];
    if (absl::ascii_isdigit(c)) {
      rem = (rem * 10 + static_cast<uint32_t>(c - '0')) % 97;
    } else {
      rem = (rem * 100 + static_cast<uint32_t>(c - 'A' + 10)) % 97;
    }
  }
  return rem == 1;
}

bool IsIpv4(std::string_view s) {
  int parts = 0;
  size_t i = 0;
  while (true) {
    size_t start = i;
    int value = 0;
    while (i < s.size() && absl::ascii_isdigit(s[i]) && i - start < 4)
      value = value * 10 + (s[i++] - '0');
    size_t len = i - start;
    if (len == 0 || len > 3 || value > 255 || (len > 1 && s[start] == '0')) return false;
    ++parts;
    if (i == s.size()) break;
    if (s[i] != '.' || parts == 4) return false;
    ++i;
  }
  return parts == 4;
}

bool IsIpv6(std::string_view s) {
  if (s.size() < 2 || s.size() > 45) return false;
  char buf[46];
  std::memcpy(buf, s.data(), s.size());
  buf[s.size()] = '\0';
  in6_addr addr;
  return inet_pton(AF_INET6, buf, &addr) == 1;
}

bool IsMacAddress(std::string_view s) {
  if (s.size() == 17) {
    char sep = s[2];
    if (sep != ':' && sep != '-') return false;
    for (size_t i = 0; i < 17; ++i) {
      if (i % 3 == 2) {
        if (s[i] != sep) return false;
      } else if (!absl::ascii_isxdigit(s[i])) {
        return false;
      }
    }
    return true;
  }
  if (s.size() == 14) {
    for (size_t i = 0; i < 14; ++i) {
      if (i % 5 == 4) {
        if (s[i] != '.') return false;
      } else if (!absl::ascii_isxdigit(s[i])) {
        return false;
      }
    }
    return true;
  }
  return false;
}

bool IsBitcoinBase58(std::string_view s) {
  if (s.size() < 26 || s.size() > 35 || (s[0] != '1' && s[0] != '3')) return false;
  // Base58 -> 25 bytes, big-endian.
  std::array<uint8_t, 25> bytes{};
  for (char c : s) {
    size_t v = kBase58Alphabet.find(c);
    if (v == std::string_view::npos) return false;
    uint32_t carry = static_cast<uint32_t>(v);
    for (size_t k = bytes.size(); k-- > 0;) {
      carry += 58u * bytes[k];
      bytes[k] = static_cast<uint8_t>(carry & 0xFF);
      carry >>= 8;
    }
    if (carry != 0) return false;  // does not fit in 25 bytes
  }
  // Leading '1's encode leading zero bytes; a P2PKH address has exactly one.
  size_t ones = 0;
  while (ones < s.size() && s[ones] == '1') ++ones;
  size_t zeros = 0;
  while (zeros < bytes.size() && bytes[zeros] == 0) ++zeros;
  if (ones != zeros) return false;
  uint8_t version = bytes[0];
  if (!((version == 0x00 && s[0] == '1') || (version == 0x05 && s[0] == '3'))) return false;
  const std::string checksum = common::Sha256(
      common::Sha256(absl::string_view(reinterpret_cast<const char*>(bytes.data()), 21)));
  return std::memcmp(checksum.data(), bytes.data() + 21, 4) == 0;
}

bool IsBitcoinBech32(std::string_view s) {
  if (s.size() < 14 || s.size() > 90) return false;
  bool lower = false, upper = false;
  for (char c : s) {
    if (absl::ascii_islower(c)) lower = true;
    if (absl::ascii_isupper(c)) upper = true;
  }
  if (lower && upper) return false;
  size_t sep = s.rfind('1');
  if (sep != 2) return false;
  char h0 = static_cast<char>(s[0] | 0x20), h1 = static_cast<char>(s[1] | 0x20);
  if (h0 != 'b' || h1 != 'c') return false;
  uint8_t values[5 + 90];
  size_t n = 0;
  values[n++] = static_cast<uint8_t>(h0 >> 5);
  values[n++] = static_cast<uint8_t>(h1 >> 5);
  values[n++] = 0;
  values[n++] = static_cast<uint8_t>(h0 & 31);
  values[n++] = static_cast<uint8_t>(h1 & 31);
  const size_t data_start = n;
  for (size_t i = sep + 1; i < s.size(); ++i) {
    size_t v = kBech32Charset.find(static_cast<char>(s[i] | 0x20));
    if (v == std::string_view::npos) return false;
    values[n++] = static_cast<uint8_t>(v);
  }
  const size_t data_len = n - data_start;  // witness version + program + 6 checksum
  if (data_len < 8) return false;
  const uint8_t witness_version = values[data_start];
  if (witness_version > 16) return false;
  const uint32_t expected = witness_version == 0 ? 1u : 0x2bc830a3u;
  if (Bech32Polymod(values, n) != expected) return false;
  const size_t program_bits = (data_len - 7) * 5;
  const size_t program_bytes = program_bits / 8;
  if (program_bytes < 2 || program_bytes > 40) return false;
  if (witness_version == 0 && program_bytes != 20 && program_bytes != 32) return false;
  return true;
}

bool IsEthereumAddress(std::string_view s) {
  if (s.size() != 42 || s[0] != '0' || (s[1] != 'x' && s[1] != 'X')) return false;
  return std::all_of(s.begin() + 2, s.end(), absl::ascii_isxdigit);
}

bool IsEmailAddress(std::string_view s) {
  size_t at = s.find('@');
  if (at == std::string_view::npos || at == 0 || at > 64) return false;
  std::string_view local = s.substr(0, at), domain = s.substr(at + 1);
  if (local.front() == '.' || local.back() == '.' || local.find("..") != std::string_view::npos) {
    return false;
  }
  for (char c : local) {
    if (!absl::ascii_isalnum(c) && std::string_view("._%+-").find(c) == std::string_view::npos) {
      return false;
    }
  }
  if (domain.empty() || domain.size() > 253) return false;
  size_t labels = 0, start = 0;
  std::string_view tld;
  while (start <= domain.size()) {
    size_t dot = domain.find('.', start);
    if (dot == std::string_view::npos) dot = domain.size();
    std::string_view label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') {
      return false;
    }
    for (char c : label) {
      if (!absl::ascii_isalnum(c) && c != '-') return false;
    }
    ++labels;
    tld = label;
    start = dot + 1;
  }
  if (labels < 2 || tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), absl::ascii_isalpha)) {
    return false;
  }
  const std::string lower_tld = absl::AsciiStrToLower(absl::string_view(tld.data(), tld.size()));
  for (std::string_view ext : kFileExtensions) {
    if (lower_tld == ext) return false;
  }
  return true;
}

bool IsJwt(std::string_view s) {
  size_t d1 = s.find('.');
  if (d1 == std::string_view::npos) return false;
  size_t d2 = s.find('.', d1 + 1);
  if (d2 == std::string_view::npos || s.find('.', d2 + 1) != std::string_view::npos) {
    return false;
  }
  std::string_view parts[3] = {s.substr(0, d1), s.substr(d1 + 1, d2 - d1 - 1), s.substr(d2 + 1)};
  for (std::string_view p : parts) {
    if (p.empty()) return false;
    for (char c : p) {
      if (!absl::ascii_isalnum(c) && c != '-' && c != '_') return false;
    }
  }
  auto header = DecodeBase64(parts[0]);
  if (!header) return false;
  std::string_view h(*header);
  while (!h.empty() && (h.front() == ' ' || h.front() == '\n')) h.remove_prefix(1);
  while (!h.empty() && (h.back() == ' ' || h.back() == '\n')) h.remove_suffix(1);
  return h.size() >= 2 && h.front() == '{' && h.back() == '}' &&
         h.find("\"alg\"") != std::string_view::npos;
}

bool IsNanpNumber(std::string_view d) {
  if (d.size() != 10 || !std::all_of(d.begin(), d.end(), absl::ascii_isdigit)) return false;
  return d[0] >= '2' && d[3] >= '2';
}

}  // namespace octo::safety
