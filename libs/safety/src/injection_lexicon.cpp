#include "injection_lexicon.h"

#include <re2/re2.h>

#include <algorithm>

#include "octo/safety/normalizer.h"

namespace octo::safety::detail {

Lexicon::Lexicon(std::initializer_list<std::string_view> words, bool fold) {
  const Normalizer normalizer;
  for (std::string_view w : words) {
    words_.push_back(fold ? normalizer.Normalize(w).text : std::string(w));
  }
  // Longest first, so an alternation prefers "system prompt" to "system".
  std::stable_sort(words_.begin(), words_.end(),
                   [](const std::string& a, const std::string& b) { return a.size() > b.size(); });
}

std::string Lexicon::Keys() const {
  std::string out;
  for (const std::string& w : words_) {
    if (!out.empty()) out += "||";
    out += w;
  }
  return out;
}

std::string Lexicon::Re() const {
  std::string out = "(?:";
  for (size_t i = 0; i < words_.size(); ++i) {
    if (i > 0) out += '|';
    out += RE2::QuoteMeta(words_[i]);
  }
  return out + ")";
}

std::string Gap(int n) {
  return R"((?:\s+[^\s.!?]+){0,)" + std::to_string(n) + R"(}?\s+)";
}

}  // namespace octo::safety::detail
