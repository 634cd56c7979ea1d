// Reading the citations out of an answer written as sentences followed by "[source id]".
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "octo/v1/arm.pb.h"
#include "src/answerer/extractive.h"

namespace octo::arms {

struct CitedAnswer {
  std::vector<v1::Citation> citations;  // one per source cited, in order of first use
  std::vector<std::string> unsupported;  // sentences that cite no known source
};

// Splits `answer` into sentences, and for each finds the "[id]" marks that name one of
// `sources`; a mark naming no source does not count as support. A citation's quote is the
// source's own sentence that shares most words with the first sentence citing it.
CitedAnswer ReadCitations(absl::string_view answer, absl::Span<const AnswerSource> sources);

}  // namespace octo::arms
