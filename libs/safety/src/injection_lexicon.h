// Small word lists ("lexicons") from which the concept rules are built: one list renders both
// as a rule's Hyperscan keys and as an RE2 alternation, so the two never drift apart.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace octo::safety::detail {

class Lexicon {
 public:
  // `words` are written in normalised form (lowercase ASCII, single spaces) unless `fold` is
  // set, in which case each is passed through the Normalizer first (for other scripts, whose
  // lowercase look-alike letters the normaliser turns into Latin ones).
  Lexicon(std::initializer_list<std::string_view> words, bool fold = false);

  // "a||b||c": every word is a key.
  std::string Keys() const;
  // "(?:a|b|c)" with the words regex-quoted, longest first.
  std::string Re() const;
  // `\b(?:a|b|c)\b`, for Latin-script words.
  std::string Word() const { return R"(\b)" + Re() + R"(\b)"; }

 private:
  std::vector<std::string> words_;
};

// Up to `n` further words of the same sentence, lazily: "(?:\s+[^\s.!?]+){0,n}?\s+". Placed
// between two lexicon matches, it bounds how far apart they may be.
std::string Gap(int n);

}  // namespace octo::safety::detail
