#include "octo/safety/codec.h"

#include <algorithm>
#include <array>
#include <utility>

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

namespace {

bool IsPercentEscape(std::string_view in, size_t i) {
  return in[i] == '%' && i + 2 < in.size() && absl::ascii_isxdigit(in[i + 1]) &&
         absl::ascii_isxdigit(in[i + 2]);
}

}  // namespace

std::optional<std::string> DecodePercentEscapes(std::string_view in, size_t min_escapes) {
  size_t found = 0;  // counted first: most text has none, and is not copied
  for (size_t i = in.find('%'); i != std::string_view::npos && found < min_escapes;
       i = in.find('%', i + 1)) {
    found += IsPercentEscape(in, i);
  }
  if (found < min_escapes) return std::nullopt;
  std::string out;
  size_t escapes = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    if (IsPercentEscape(in, i)) {
      out += absl::HexStringToBytes(absl::string_view(in.data() + i + 1, 2));
      i += 2;
      ++escapes;
    } else {
      out.push_back(in[i]);
    }
  }
  if (escapes < min_escapes) return std::nullopt;
  return out;
}

namespace {

// The character reference at the start of `in` ("&...;"): its length and code point, or 0.
size_t HtmlReference(std::string_view in, char32_t* cp) {
  static constexpr std::pair<std::string_view, char32_t> kNamed[] = {
      {"&lt;", '<'},    {"&gt;", '>'},    {"&amp;", '&'},
      {"&quot;", '"'},  {"&apos;", '\''}, {"&nbsp;", ' '}};
  for (const auto& [name, value] : kNamed) {
    if (in.substr(0, name.size()) == name) {
      *cp = value;
      return name.size();
    }
  }
  if (in.size() < 4 || in[1] != '#') return 0;
  const bool hex = in[2] == 'x' || in[2] == 'X';
  size_t i = hex ? 3 : 2;
  uint32_t value = 0;
  const size_t digits_start = i;
  for (; i < in.size() && i < digits_start + 7; ++i) {
    const char c = in[i];
    if (hex && absl::ascii_isxdigit(c)) {
      value = value * 16 + static_cast<uint32_t>(absl::ascii_isdigit(c) ? c - '0'
                                                  : absl::ascii_tolower(c) - 'a' + 10);
    } else if (!hex && absl::ascii_isdigit(c)) {
      value = value * 10 + static_cast<uint32_t>(c - '0');
    } else {
      break;
    }
  }
  if (i == digits_start || i >= in.size() || in[i] != ';') return 0;
  *cp = value;
  return i + 1;
}

}  // namespace

std::optional<std::string> DecodeHtmlEntities(std::string_view in, size_t min_refs) {
  size_t found = 0;  // counted first: most text has none, and is not copied
  char32_t unused;
  for (size_t i = in.find('&'); i != std::string_view::npos && found < min_refs;
       i = in.find('&', i + 1)) {
    found += HtmlReference(in.substr(i), &unused) > 0;
  }
  if (found < min_refs) return std::nullopt;
  std::string out;
  size_t refs = 0;
  for (size_t i = 0; i < in.size(); ++i) {
    char32_t cp = 0;
    const size_t len = in[i] == '&' ? HtmlReference(in.substr(i), &cp) : 0;
    if (len == 0) {
      out.push_back(in[i]);
      continue;
    }
    common::AppendUtf8(cp, &out);
    i += len - 1;
    ++refs;
  }
  if (refs < min_refs) return std::nullopt;
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
