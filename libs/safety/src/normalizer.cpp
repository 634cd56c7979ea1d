#include "octo/safety/normalizer.h"

#include <algorithm>
#include <array>

namespace octo::safety {
namespace {

struct Fold {
  char32_t cp;
  char ascii;
};

// Cyrillic and Greek letters that render like Latin ones (the homoglyphs used to dodge
// keyword filters). Sorted by code point.
constexpr Fold kHomoglyphs[] = {
    {0x0391, 'a'}, {0x0392, 'b'}, {0x0395, 'e'}, {0x0396, 'z'}, {0x0397, 'h'}, {0x0399, 'i'},
    {0x039A, 'k'}, {0x039C, 'm'}, {0x039D, 'n'}, {0x039F, 'o'}, {0x03A1, 'p'}, {0x03A4, 't'},
    {0x03A5, 'y'}, {0x03A7, 'x'}, {0x03B1, 'a'}, {0x03B5, 'e'}, {0x03B9, 'i'}, {0x03BA, 'k'},
    {0x03BD, 'v'}, {0x03BF, 'o'}, {0x03C1, 'p'}, {0x03C4, 't'}, {0x03C5, 'u'}, {0x03C7, 'x'},
    {0x0405, 's'}, {0x0406, 'i'}, {0x0408, 'j'}, {0x0410, 'a'}, {0x0412, 'b'}, {0x0415, 'e'},
    {0x041A, 'k'}, {0x041C, 'm'}, {0x041D, 'h'}, {0x041E, 'o'}, {0x0420, 'p'}, {0x0421, 'c'},
    {0x0422, 't'}, {0x0423, 'y'}, {0x0425, 'x'}, {0x0430, 'a'}, {0x0435, 'e'}, {0x043E, 'o'},
    {0x0440, 'p'}, {0x0441, 'c'}, {0x0443, 'y'}, {0x0445, 'x'}, {0x0455, 's'}, {0x0456, 'i'},
    {0x0458, 'j'}, {0x04BB, 'h'}, {0x0501, 'd'}, {0x051B, 'q'}, {0x051D, 'w'},
};

// U+00C0..U+017F without their diacritics; '\0' means "leave as is".
constexpr char kLatinBase[] =
    "aaaaaaaceeeeiiii"
    "dnooooo\0ouuuuyts"
    "aaaaaaaceeeeiiii"
    "dnooooo\0ouuuuyty"
    "aaaaaaccccccccdd"
    "ddeeeeeeeeeegggg"
    "gggghhhhiiiiiiii"
    "iiiijjkkklllllll"
    "lllnnnnnnnnnoooo"
    "oooorrrrrrssssss"
    "ssttttttuuuuuuuu"
    "uuuuwwyyyzzzzzzs";

bool IsZeroWidth(char32_t cp) {
  return (cp >= 0x200B && cp <= 0x200F) || (cp >= 0x2060 && cp <= 0x2064) || cp == 0xFEFF ||
         cp == 0x00AD || cp == 0x180E || cp == 0x034F;
}

constexpr std::array<char, 256> MakeLower() {
  std::array<char, 256> t{};
  for (int i = 0; i < 256; ++i) {
    t[i] = static_cast<char>(i >= 'A' && i <= 'Z' ? i + 32 : i);
  }
  return t;
}
constexpr std::array<char, 256> kLower = MakeLower();

bool IsAsciiAlnum(unsigned char c) {
  return (c >= '0' && c <= '9') || ((c | 0x20) >= 'a' && (c | 0x20) <= 'z');
}
bool IsAsciiAlpha(unsigned char c) { return (c | 0x20) >= 'a' && (c | 0x20) <= 'z'; }

char Leet(char c) {
  switch (c) {
    case '0': return 'o';
    case '1': return 'i';
    case '3': return 'e';
    case '4': return 'a';
    case '5': return 's';
    case '7': return 't';
    default: return c;
  }
}
bool IsLeetDigit(char c) { return Leet(c) != c; }

// Decodes one UTF-8 sequence at s[i]; returns its length, or 0 if malformed.
int DecodeUtf8(std::string_view s, size_t i, char32_t& cp) {
  auto c = static_cast<unsigned char>(s[i]);
  int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC2 ? 2 : 0;
  if (len == 0 || c > 0xF4 || i + static_cast<size_t>(len) > s.size()) return 0;
  cp = c & (0x7F >> len);
  for (int k = 1; k < len; ++k) {
    auto cc = static_cast<unsigned char>(s[i + static_cast<size_t>(k)]);
    if ((cc & 0xC0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3F);
  }
  return len;
}

class Writer {
 public:
  Writer(std::string_view in, NormalizedText& out) : in_(in), out_(out) {
    out_.text.resize(in.size());
    out_.offsets.resize(in.size() + 1);
    out_.obfuscation_marks.clear();
    buf_ = out_.text.data();
  }
  void Put(char c, size_t src, bool mark) {
    if (mark || pending_mark_) {
      out_.obfuscation_marks.push_back(static_cast<uint32_t>(n_));
      pending_mark_ = false;
    }
    buf_[n_] = c;
    out_.offsets[n_] = static_cast<uint32_t>(src);
    ++n_;
  }
  void Space(size_t src) {
    if (n_ > 0 && buf_[n_ - 1] == ' ') return;
    Put(' ', src, false);
  }
  void MarkNext() { pending_mark_ = true; }
  void Finish() {
    out_.text.resize(n_);
    out_.offsets[n_] = static_cast<uint32_t>(in_.size());
    out_.offsets.resize(n_ + 1);
  }

 private:
  std::string_view in_;
  NormalizedText& out_;
  char* buf_;
  size_t n_ = 0;
  bool pending_mark_ = false;
};

// A word spelled "i g n o r e": single alphanumerics separated by single spaces, 3 or more.
// Returns the index one past the last letter, or `i` when there is no such run at i.
size_t SpacedRunEnd(std::string_view in, size_t i) {
  size_t pos = i, count = 1;
  auto at = [&](size_t k) -> unsigned char {
    return k < in.size() ? static_cast<unsigned char>(in[k]) : 0;
  };
  while (at(pos + 1) == ' ' && IsAsciiAlnum(at(pos + 2)) && !IsAsciiAlnum(at(pos + 3))) {
    pos += 2;
    ++count;
  }
  return count >= 3 ? pos + 1 : i;
}

}  // namespace

bool NormalizedText::HasObfuscation(uint32_t start, uint32_t end) const {
  auto it = std::lower_bound(obfuscation_marks.begin(), obfuscation_marks.end(), start);
  return it != obfuscation_marks.end() && *it < end;
}

NormalizedText Normalizer::Normalize(std::string_view text) const {
  NormalizedText out;
  Normalize(text, out);
  return out;
}

void Normalizer::Normalize(std::string_view in, NormalizedText& out) const {
  Writer w(in, out);
  const size_t n = in.size();
  size_t i = 0;
  while (i < n) {
    const auto c = static_cast<unsigned char>(in[i]);
    if (c < 0x80) {
      if (IsAsciiAlnum(c)) {
        size_t j = i + 1;
        while (j < n && IsAsciiAlnum(static_cast<unsigned char>(in[j]))) ++j;
        if (j == i + 1) {
          size_t run_end = SpacedRunEnd(in, i);
          if (run_end != i) {
            bool letters = false;
            for (size_t k = i; k < run_end; k += 2) {
              letters |= IsAsciiAlpha(static_cast<unsigned char>(in[k]));
            }
            for (size_t k = i; k < run_end; k += 2) {
              char ch = kLower[static_cast<unsigned char>(in[k])];
              w.Put(letters ? Leet(ch) : ch, k, true);
            }
            i = run_end;
            continue;
          }
        }
        bool letters = false, leet = false;
        for (size_t k = i; k < j; ++k) {
          letters |= IsAsciiAlpha(static_cast<unsigned char>(in[k]));
          leet |= IsLeetDigit(in[k]);
        }
        if (letters && leet) {
          for (size_t k = i; k < j; ++k) {
            bool digit = IsLeetDigit(in[k]);
            w.Put(digit ? Leet(in[k]) : kLower[static_cast<unsigned char>(in[k])], k, digit);
          }
        } else {
          for (size_t k = i; k < j; ++k) w.Put(kLower[static_cast<unsigned char>(in[k])], k, false);
        }
        i = j;
      } else if (c == ' ' || c == '\t') {
        w.Space(i++);
      } else if (c == '\r') {
        ++i;
      } else {
        w.Put(static_cast<char>(c), i++, false);
      }
      continue;
    }
    char32_t cp = 0;
    const int len = DecodeUtf8(in, i, cp);
    if (len == 0) {
      w.Put(static_cast<char>(c), i++, false);
      continue;
    }
    if (IsZeroWidth(cp)) {
      w.MarkNext();
    } else if (cp >= 0xC0 && cp <= 0x17F) {
      if (cp == 0xDF) {
        w.Put('s', i, false);
        w.Put('s', i, false);
      } else if (char base = kLatinBase[cp - 0xC0]; base != '\0') {
        w.Put(base, i, false);
      } else {
        for (int k = 0; k < len; ++k) w.Put(in[i + static_cast<size_t>(k)], i + k, false);
      }
    } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
      w.Put(kLower[static_cast<unsigned char>(cp - 0xFEE0)], i, true);
    } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x201B || cp == 0x2032) {
      w.Put('\'', i, false);
    } else if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0xAB || cp == 0xBB) {
      w.Put('"', i, false);
    } else if (cp >= 0x2010 && cp <= 0x2015) {
      w.Put('-', i, false);
    } else if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x3000 || cp == 0x202F) {
      w.Space(i);
    } else {
      auto it = std::lower_bound(std::begin(kHomoglyphs), std::end(kHomoglyphs), cp,
                                 [](const Fold& f, char32_t v) { return f.cp < v; });
      if (it != std::end(kHomoglyphs) && it->cp == cp) {
        w.Put(it->ascii, i, true);
      } else {
        for (int k = 0; k < len; ++k) w.Put(in[i + static_cast<size_t>(k)], i + k, false);
      }
    }
    i += static_cast<size_t>(len);
  }
  w.Finish();
}

}  // namespace octo::safety
