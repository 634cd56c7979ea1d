#include "src/answerer/extractive.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "octo/common/markdown.h"
#include "octo/common/words.h"
#include "src/runtime/text_match.h"

namespace octo::arms {
namespace {

constexpr size_t kMinSentenceBytes = 16;
constexpr size_t kMaxSentenceBytes = 600;
// A match among a sentence's first words puts the asked-about thing in subject position.
constexpr size_t kLeadWords = 4;

struct Candidate {
  size_t covered = 0;   // question words the sentence contains
  bool leads = false;   // one of them is among its first words
  size_t source = 0;
  size_t order = 0;     // position among all sentences
  std::string text;
};

// A whitespace-separated token that names something in code ("OCTO_REFLEX_LISTEN",
// "--log_level", "a/b", "k=v") is no use of the word it contains.
bool IsIdentifier(absl::string_view token) {
  return absl::StartsWith(token, "-") || token.find_first_of("_/=") != absl::string_view::npos;
}

Candidate Score(absl::string_view sentence, const std::vector<std::string>& terms) {
  Candidate c;
  std::vector<std::string> words;
  for (absl::string_view token : absl::StrSplit(sentence, ' ', absl::SkipEmpty())) {
    if (IsIdentifier(token)) {
      words.emplace_back();  // keeps the positions of the words after it
      continue;
    }
    for (std::string& w : common::Words(token)) words.push_back(std::move(w));
  }
  for (const std::string& term : terms) {
    for (size_t i = 0; i < words.size(); ++i) {
      if (words[i].empty() || !WordsMatch(words[i], term)) continue;
      ++c.covered;
      // "the reflex's service" is about the service.
      c.leads = c.leads || (i < kLeadWords && !absl::EndsWith(words[i], "'s"));
      break;
    }
  }
  c.text = std::string(sentence);
  return c;
}

}  // namespace

absl::StatusOr<ExtractiveAnswer> AnswerExtractively(absl::string_view question,
                                                    absl::Span<const AnswerSource> sources,
                                                    ExtractiveOptions options) {
  const std::vector<std::string> terms = ContentWords(question);
  if (terms.empty()) {
    return absl::NotFoundError("the question names nothing to look for in the sources");
  }
  const size_t needed = std::max<size_t>(
      1, static_cast<size_t>(options.min_coverage * static_cast<double>(terms.size()) + 0.999));
  std::vector<Candidate> candidates;
  size_t order = 0;
  for (size_t s = 0; s < sources.size(); ++s) {
    const std::string prose = common::MarkdownProse(sources[s].text);
    for (absl::string_view sentence : Sentences(prose)) {
      if (sentence.size() < kMinSentenceBytes || sentence.size() > kMaxSentenceBytes) continue;
      Candidate c = Score(sentence, terms);
      c.source = s;
      c.order = order++;
      if (c.covered >= needed) candidates.push_back(std::move(c));
    }
  }
  if (candidates.empty()) {
    return absl::NotFoundError(absl::StrCat(
        "no sentence of the ", sources.size(), " source(s) mentions enough of: ",
        absl::StrJoin(terms, ", ")));
  }
  std::stable_sort(candidates.begin(), candidates.end(),
                   [](const Candidate& a, const Candidate& b) {
                     if (a.covered != b.covered) return a.covered > b.covered;
                     if (a.leads != b.leads) return a.leads;
                     return a.order < b.order;
                   });

  ExtractiveAnswer answer;
  absl::flat_hash_set<std::string> quoted;
  absl::flat_hash_set<size_t> cited;
  size_t bytes = 0;
  for (Candidate& c : candidates) {
    if (quoted.size() == options.max_sentences) break;
    if (!quoted.empty() && bytes + c.text.size() > options.max_bytes) continue;
    if (!quoted.insert(c.text).second) continue;
    bytes += c.text.size();
    const AnswerSource& source = sources[c.source];
    std::string sentence = c.text;
    if (!absl::EndsWith(sentence, ".") && !absl::EndsWith(sentence, "?") &&
        !absl::EndsWith(sentence, "!")) {
      sentence.push_back('.');
    }
    absl::StrAppend(&answer.text, answer.text.empty() ? "" : " ", sentence, " [", source.id,
                    "]");
    if (cited.insert(c.source).second) {
      v1::Citation& citation = answer.citations.emplace_back();
      citation.set_source_id(source.id);
      citation.set_title(source.title);
      citation.set_quote(std::move(c.text));
    }
  }
  return answer;
}

}  // namespace octo::arms
