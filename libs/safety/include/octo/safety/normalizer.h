// Folding text into a canonical lowercase Latin form for matching, with a map back to the
// original byte offsets.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace octo::safety {

// The result of Normalizer::Normalize.
struct NormalizedText {
  std::string text;  // the folded text (UTF-8; ASCII wherever folding applied).
  // offsets[i] is the byte offset in the original text of the character that produced
  // text[i]; offsets[text.size()] is the original size. Non-decreasing.
  std::vector<uint32_t> offsets;
  // Sorted positions in `text` whose character was produced by de-obfuscation (a removed
  // zero-width character just before it, a homoglyph, a full-width form, a leetspeak digit,
  // or a collapsed letter-spaced word), as opposed to plain case or accent folding.
  std::vector<uint32_t> obfuscation_marks;

  // Maps [start, end) in `text` to the byte range of the original text it came from.
  uint32_t OriginalStart(uint32_t pos) const { return offsets[pos]; }
  uint32_t OriginalEnd(uint32_t end) const { return offsets[end]; }
  // True if any position in [start, end) carries an obfuscation mark.
  bool HasObfuscation(uint32_t start, uint32_t end) const;
};

// Stateless and thread-safe. The folding covers what matters for keyword matching, not all of
// NFKC:
//  * ASCII letters are lowercased; runs of spaces and tabs become one space; "\r\n" stays.
//  * Zero-width and invisible characters (U+200B-U+200F, U+2060-U+2064, U+FEFF, U+00AD,
//    U+180E), and bidi controls (U+202A-U+202E, U+2066-U+2069, U+061C) are removed.
//  * Latin letters with diacritics (Latin-1, Latin Extended-A) lose them; "ß" becomes "ss".
//  * Cyrillic and Greek letters that look like Latin ones map to those (о→o, е→e, Α→a, ...);
//    the other uppercase Cyrillic and Greek letters are lowercased. Inside a Cyrillic or
//    Greek word a letter is lowercased before it is folded, so "НЕ", "Не" and "не" fold
//    alike; inside a Latin word disguised with look-alikes (one whose Cyrillic and Greek
//    letters all look like Latin ones as written) each folds by its shape, so "НELLO" with
//    Cyrillic Н reads "hello".
//  * Full-width ASCII (U+FF01-U+FF5E) maps to ASCII; typographic quotes and dashes to ASCII.
//  * Leetspeak digits (0 1 3 4 5 7) inside tokens that also contain a letter beyond a-f (so
//    not hex ids or hashes) map to letters.
//  * Words spelled letter by letter with one separator ("i g n o r e", "i-g-n-o-r-e") are
//    joined.
// Other characters are copied unchanged.
class Normalizer {
 public:
  NormalizedText Normalize(std::string_view text) const;
  // Same, reusing `out`'s buffers.
  void Normalize(std::string_view text, NormalizedText& out) const;
};

}  // namespace octo::safety
