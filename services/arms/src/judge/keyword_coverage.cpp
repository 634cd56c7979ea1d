// How much of an open criterion's wording a candidate covers (KeywordCoverage in criteria.h),
// for the keyword fallback judge.
#include "absl/strings/match.h"
#include "src/judge/criteria.h"
#include "src/runtime/text_match.h"

namespace octo::arms {

Coverage KeywordCoverage(absl::string_view criterion, absl::string_view candidate) {
  Coverage coverage;
  for (const std::string& word : ContentWords(criterion)) {
    absl::string_view stem = word;
    if (stem.size() > 3 && absl::EndsWith(stem, "s") && !absl::EndsWith(stem, "ss")) {
      stem.remove_suffix(1);
    }
    (ContainsPhrase(candidate, stem) ? coverage.found : coverage.missing).push_back(word);
  }
  const size_t total = coverage.found.size() + coverage.missing.size();
  coverage.share = total == 0 ? 0 : static_cast<double>(coverage.found.size()) / total;
  return coverage;
}

}  // namespace octo::arms
