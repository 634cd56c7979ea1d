#include "src/answerer/citations.h"

#include <algorithm>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "octo/common/markdown.h"
#include "src/runtime/text_match.h"

namespace octo::arms {
namespace {

constexpr size_t kMaxQuoteBytes = 400;

// The sentence of `source` that shares the most content words with `claim` (the first of
// equals), or "" when none shares any: a citation quotes the source's words, never the
// answer's.
std::string SourceQuote(const AnswerSource& source, absl::string_view claim) {
  const std::vector<std::string> claimed = ContentWords(claim);
  const std::string prose = common::MarkdownProse(source.text);
  absl::string_view best;
  size_t best_shared = 0;
  for (absl::string_view sentence : Sentences(prose)) {
    size_t shared = 0;
    for (const std::string& word : ContentWords(sentence)) {
      shared += std::any_of(claimed.begin(), claimed.end(),
                            [&](const std::string& c) { return WordsMatch(c, word); });
    }
    if (shared > best_shared) {
      best = sentence;
      best_shared = shared;
    }
  }
  return Excerpt(best, kMaxQuoteBytes);
}

}  // namespace

CitedAnswer ReadCitations(absl::string_view answer, absl::Span<const AnswerSource> sources) {
  absl::flat_hash_map<std::string, const AnswerSource*> by_id;
  for (const AnswerSource& s : sources) by_id.emplace(s.id, &s);
  CitedAnswer out;
  absl::flat_hash_map<std::string, size_t> cited;  // id -> index in out.citations
  for (absl::string_view sentence : Sentences(answer)) {
    bool supported = false;
    for (size_t open = sentence.find('['); open != absl::string_view::npos;
         open = sentence.find('[', open + 1)) {
      const size_t close = sentence.find(']', open);
      if (close == absl::string_view::npos) break;
      // "[a, b]" and "[a][b]" both cite a and b.
      for (absl::string_view id : absl::StrSplit(sentence.substr(open + 1, close - open - 1),
                                                 absl::ByAnyChar(",;"))) {
        id = absl::StripAsciiWhitespace(id);
        auto source = by_id.find(id);
        if (source == by_id.end()) continue;
        supported = true;
        auto [it, inserted] = cited.try_emplace(source->first, out.citations.size());
        if (inserted) {
          v1::Citation& c = out.citations.emplace_back();
          c.set_source_id(source->first);
          c.set_title(source->second->title);
          c.set_quote(SourceQuote(*source->second, sentence));
        }
      }
    }
    // A heading or a list lead-in ("Sources:") is no claim.
    if (!supported && sentence.size() > 24) out.unsupported.emplace_back(sentence);
  }
  return out;
}

}  // namespace octo::arms
