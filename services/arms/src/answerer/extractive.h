// The offline answer: the sentences of the sources that say most about what the question
// asks, quoted and cited. No model is called, so nothing is invented; when no sentence covers
// enough of the question there is no answer.
#pragma once

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/types/span.h"
#include "octo/v1/arm.pb.h"

namespace octo::arms {

// One source an answer may quote: a retrieved passage or a step's output.
struct AnswerSource {
  std::string id;     // what a citation names, e.g. the document's external_id
  std::string title;
  std::string text;   // Markdown or plain text
};

struct ExtractiveOptions {
  size_t max_sentences = 3;
  size_t max_bytes = 800;  // of the answer's quoted text
  // Share of the question's content words a sentence must contain to be quoted.
  double min_coverage = 0.5;
};

struct ExtractiveAnswer {
  std::string text;  // sentences, each followed by "[source id]"
  std::vector<v1::Citation> citations;  // one per source quoted, in order of first use
};

// Question and sentence words match by WordsMatch. NOT_FOUND when the question has no content words or no sentence covers enough of them.
absl::StatusOr<ExtractiveAnswer> AnswerExtractively(absl::string_view question,
                                                    absl::Span<const AnswerSource> sources,
                                                    ExtractiveOptions options = {});

}  // namespace octo::arms
