#include "octo/safety/normalizer.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"
#include "absl/strings/string_view.h"
#include "octo/common/utf8.h"

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
         cp == 0x00AD || cp == 0x180E || cp == 0x034F || (cp >= 0x202A && cp <= 0x202E) ||
         (cp >= 0x2066 && cp <= 0x2069) || cp == 0x061C;
}

// Uppercase Cyrillic and Greek letters to lowercase (all two bytes in UTF-8, both cases).
char32_t LowerCyrillicOrGreek(char32_t cp) {
  if (cp >= 0x410 && cp <= 0x42F) return cp + 0x20;
  if (cp >= 0x400 && cp <= 0x40F) return cp + 0x50;
  if (cp >= 0x391 && cp <= 0x3A9 && cp != 0x3A2) return cp + 0x20;
  return cp;
}

const Fold* Homoglyph(char32_t cp) {
  auto it = std::lower_bound(std::begin(kHomoglyphs), std::end(kHomoglyphs), cp,
                             [](const Fold& f, char32_t v) { return f.cp < v; });
  return it != std::end(kHomoglyphs) && it->cp == cp ? it : nullptr;
}

bool IsCyrillicOrGreek(char32_t cp) {
  return cp >= 0x370 && cp <= 0x52F && cp != 0x37E && cp != 0x387;  // not the punctuation
}

// What a character says about the script of the word it is in.
enum class WordChar : uint8_t {
  kLatin,    // a Latin letter (ASCII, Latin-1, Latin Extended-A/B, full-width)
  kOther,    // a Cyrillic or Greek letter
  kNeutral,  // a digit, a combining mark or an invisible character: part of the word
  kNone,     // ends the word
};

WordChar ClassifyWordChar(char32_t cp) {
  if (cp < 0x80) {
    return absl::ascii_isalpha(static_cast<unsigned char>(cp))   ? WordChar::kLatin
           : absl::ascii_isdigit(static_cast<unsigned char>(cp)) ? WordChar::kNeutral
                                                                 : WordChar::kNone;
  }
  if ((cp >= 0xC0 && cp <= 0x24F && cp != 0xD7 && cp != 0xF7) || (cp >= 0xFF21 && cp <= 0xFF3A) ||
      (cp >= 0xFF41 && cp <= 0xFF5A)) {
    return WordChar::kLatin;
  }
  if (IsCyrillicOrGreek(cp)) return WordChar::kOther;
  if (IsZeroWidth(cp) || (cp >= 0x300 && cp <= 0x36F)) return WordChar::kNeutral;
  return WordChar::kNone;
}

// The word around the Cyrillic or Greek letter at byte `i`: where it ends, and whether it is
// a Latin word in disguise, i.e. it has a Latin letter and every Cyrillic or Greek letter in
// it is a Latin look-alike as written ("іgnоrе", "SYSТЕМ"). Otherwise (no Latin letter, or a
// letter such as и, ж, н or λ that only that script has) it is a Cyrillic or Greek word.
struct ScriptWord {
  size_t end;
  bool latin_in_disguise;
};

ScriptWord ScanScriptWord(std::string_view in, size_t i) {
  bool latin = false, own_letter = false;
  auto visit = [&](char32_t cp) {
    const WordChar w = ClassifyWordChar(cp);
    latin |= w == WordChar::kLatin;
    own_letter |= w == WordChar::kOther && Homoglyph(cp) == nullptr;
    return w != WordChar::kNone;
  };
  for (size_t start = i; start > 0;) {
    size_t k = start - 1;
    while (k > 0 && start - k < 4 && common::IsUtf8ContinuationByte(in[k])) --k;
    char32_t cp = 0;
    if (common::DecodeUtf8(absl::string_view(in.data() + k, start - k), &cp) != start - k ||
        !visit(cp)) {
      break;
    }
    start = k;
  }
  size_t end = i;
  while (end < in.size()) {
    char32_t cp = 0;
    const size_t len = common::DecodeUtf8(absl::string_view(in.data() + end, in.size() - end), &cp);
    if (len == 0 || !visit(cp)) break;
    end += len;
  }
  return {end, latin && !own_letter};
}

char Leet(char c) {
  switch (c) {
    case '0':
      return 'o';
    case '1':
      return 'i';
    case '3':
      return 'e';
    case '4':
      return 'a';
    case '5':
      return 's';
    case '7':
      return 't';
    default:
      return c;
  }
}
bool IsLeetDigit(char c) { return Leet(c) != c; }

// Bytes copied (lowercased) without further thought: ASCII other than whitespace and the
// leetspeak digits.
constexpr std::array<bool, 256> MakeSimple() {
  std::array<bool, 256> t{};
  for (int i = 0; i < 0x80; ++i) t[i] = true;
  for (char c : {' ', '\t', '\r', '\n', '0', '1', '3', '4', '5', '7'}) {
    t[static_cast<unsigned char>(c)] = false;
  }
  return t;
}
constexpr std::array<bool, 256> kSimple = MakeSimple();

// A word spelled "i g n o r e" or "i-g-n-o-r-e": single alphanumerics separated by one
// separator character, 3 or more.
// Returns the index one past the last letter, or `i` when there is no such run at i.
bool IsRunSeparator(unsigned char c) {
  return c == ' ' || c == '-' || c == '.' || c == '_' || c == '*' || c == '|';
}

// The separator used by a spelled-out word ("i-g-n-o-r-e") must be the same throughout.
size_t SpacedRunEnd(std::string_view in, size_t i) {
  size_t pos = i, count = 1;
  auto at = [&](size_t k) -> unsigned char {
    return k < in.size() ? static_cast<unsigned char>(in[k]) : 0;
  };
  const unsigned char sep = at(i + 1);
  if (!IsRunSeparator(sep)) return i;
  while (at(pos + 1) == sep && absl::ascii_isalnum(at(pos + 2)) &&
         !absl::ascii_isalnum(at(pos + 3))) {
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

// One pass over the input, long on purpose: it runs on every request, and its state (output
// length, pending obfuscation mark, leetspeak token) lives in locals the compiler keeps in
// registers; the plain-ASCII fast path and the lambdas share them.
void Normalizer::Normalize(std::string_view in, NormalizedText& out) const {
  const size_t n = in.size();
  // Output never outgrows input: every fold maps a character to at most its own byte length.
  // resize() to an unchanged size (the common case when `out` is reused) costs nothing.
  out.text.resize(n);
  out.offsets.resize(n + 1);
  out.obfuscation_marks.clear();
  const unsigned char* src = reinterpret_cast<const unsigned char*>(in.data());
  char* const dst = out.text.data();
  uint32_t* const off = out.offsets.data();
  std::vector<uint32_t>& marks = out.obfuscation_marks;
  size_t o = 0;               // output length
  bool pending_mark = false;  // mark the next output character
  auto put = [&](char c, size_t from, bool mark) __attribute__((always_inline)) {
    if (mark || pending_mark) {
      marks.push_back(static_cast<uint32_t>(o));
      pending_mark = false;
    }
    dst[o] = c;
    off[o] = static_cast<uint32_t>(from);
    ++o;
  };
  // The alphanumeric token holding the last leetspeak digit seen ends at token_end; its
  // digits read as letters only if it also has letters.
  size_t token_end = 0;
  bool token_letters = false;
  // The word holding the last Cyrillic or Greek letter seen ends at word_end (see
  // ScanScriptWord).
  size_t word_end = 0;
  bool latin_in_disguise = false;
  // A letter-spaced word ("i g n o r e") at i is joined; returns where scanning resumes.
  auto SpacedRun = [&](size_t i) {
    if (i + 1 >= n || !absl::ascii_isalnum(src[i]) || !IsRunSeparator(src[i + 1])) return i;
    const size_t run_end = SpacedRunEnd(in, i);
    if (run_end == i) return i;
    bool letters = false;
    for (size_t k = i; k < run_end; k += 2) letters |= absl::ascii_isalpha(src[k]);
    for (size_t k = i; k < run_end; k += 2) {
      const char ch = absl::ascii_tolower(src[k]);
      put(letters ? Leet(ch) : ch, k, true);
    }
    return run_end;
  };
  size_t i = SpacedRun(0);
  while (i < n) {
    if (!pending_mark) {
      // Locals whose address is never taken, so the byte stores cannot alias them.
      const unsigned char* __restrict s = src;
      char* __restrict d = dst;
      uint32_t* __restrict of = off;
      const size_t end = n;
      size_t k = i, w = o;
      while (k < end) {
        const unsigned char b = s[k];
        if (!kSimple[b]) {
          // A single space that neither follows a space nor starts a letter-spaced word.
          if (b != ' ' || w == 0 || d[w - 1] == ' ' ||
              (k + 2 < end && IsRunSeparator(s[k + 2]) && absl::ascii_isalnum(s[k + 1]) &&
               (k + 3 >= end || absl::ascii_isalnum(s[k + 3])))) {
            break;
          }
        }
        d[w] = absl::ascii_tolower(b);
        of[w] = static_cast<uint32_t>(k);
        ++w;
        ++k;
      }
      o = w;
      i = k;
      if (i >= n) break;
    }
    const unsigned char c = src[i];
    if (c < 0x80) {
      if (c == ' ' || c == '\t' || c == '\n') {
        if (c == '\n') {
          put('\n', i, false);
        } else if (o == 0 || dst[o - 1] != ' ') {
          put(' ', i, false);
        }
        i = SpacedRun(i + 1);
      } else if (c == '\r') {
        ++i;
      } else if (IsLeetDigit(static_cast<char>(c))) {
        if (i >= token_end) {
          size_t ts = i, te = i + 1;
          while (ts > 0 && absl::ascii_isalnum(src[ts - 1])) --ts;
          while (te < n && absl::ascii_isalnum(src[te])) ++te;
          // Letters beyond a-f: hex ids and hashes ("2ae2c3aa") are not leetspeak.
          token_letters = false;
          for (size_t k = ts; k < te && !token_letters; ++k) {
            token_letters = absl::ascii_isalpha(src[k]) && absl::ascii_tolower(src[k]) > 'f';
          }
          token_end = te;
        }
        put(token_letters ? Leet(static_cast<char>(c)) : static_cast<char>(c), i, token_letters);
        ++i;
      } else {
        put(absl::ascii_tolower(c), i, false);
        ++i;
      }
      continue;
    }
    char32_t cp = 0;
    const size_t len = common::DecodeUtf8(absl::string_view(in.data() + i, n - i), &cp);
    if (len == 0) {
      put(static_cast<char>(c), i++, false);
      continue;
    }
    if (IsZeroWidth(cp)) {
      pending_mark = true;
    } else if (cp >= 0xC0 && cp <= 0x17F) {
      if (cp == 0xDF) {
        put('s', i, false);
        put('s', i, false);
      } else if (char base = kLatinBase[cp - 0xC0]; base != '\0') {
        put(base, i, false);
      } else {
        for (size_t k = i; k < i + len; ++k) put(in[k], k, false);
      }
    } else if (cp >= 0xFF01 && cp <= 0xFF5E) {
      put(absl::ascii_tolower(static_cast<unsigned char>(cp - 0xFEE0)), i, true);
    } else if (cp == 0x2018 || cp == 0x2019 || cp == 0x201B || cp == 0x2032) {
      put('\'', i, false);
    } else if (cp == 0x201C || cp == 0x201D || cp == 0x201E || cp == 0xAB || cp == 0xBB) {
      put('"', i, false);
    } else if (cp >= 0x2010 && cp <= 0x2015) {
      put('-', i, false);
    } else if (cp == 0xA0 || (cp >= 0x2000 && cp <= 0x200A) || cp == 0x3000 || cp == 0x202F) {
      if (o == 0 || dst[o - 1] != ' ') put(' ', i, false);
    } else if (IsCyrillicOrGreek(cp)) {
      // Which way a look-alike folds depends on the word it is in. In a Latin word in
      // disguise each letter folds by its shape as written: Cyrillic Н stands for H, so
      // "SYSТЕМ" and "НELLO" read as Latin. In a Cyrillic or Greek word the letter is first
      // lowercased and only then folded, so that case cannot change the result: Н lowercases
      // to н, which has no Latin look-alike, and "НЕ", "Не" and "не" all fold to what the
      // lowercase lexicons (built by this same function) fold to. Folding by shape first
      // would turn "НЕ" into "he". The lowercase look-alikes (о, е, р, ...) still fold, so a
      // Latin letter slipped into a Cyrillic word ("игнoрируй" with Latin o) matches too.
      if (i >= word_end) {
        const ScriptWord word = ScanScriptWord(in, i);
        word_end = word.end;
        latin_in_disguise = word.latin_in_disguise;
      }
      const char32_t letter = latin_in_disguise ? cp : LowerCyrillicOrGreek(cp);
      if (const Fold* fold = Homoglyph(letter); fold != nullptr) {
        put(fold->ascii, i, true);
      } else if (letter != cp) {
        // Two-byte letters stay two bytes: 0xC0 | high bits, 0x80 | low six bits.
        put(static_cast<char>(0xC0 | (letter >> 6)), i, false);
        put(static_cast<char>(0x80 | (letter & 0x3F)), i + 1, false);
      } else {
        for (size_t k = i; k < i + len; ++k) put(in[k], k, false);
      }
    } else {
      for (size_t k = i; k < i + len; ++k) put(in[k], k, false);
    }
    i += len;
  }
  out.text.resize(o);
  out.offsets.resize(o + 1);
  out.offsets[o] = static_cast<uint32_t>(n);
}

}  // namespace octo::safety
