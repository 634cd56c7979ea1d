// Reading Markdown documents as sections and prose: what the retriever returns as a passage
// and what the answerer quotes from.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace octo::common {

struct MarkdownSection {
  absl::string_view heading;  // the heading's text without the #s; empty before the first
  absl::string_view text;     // the section from its heading line up to the next heading
};

// `text` cut at ATX heading lines ("# ..." to "###### ...") outside fenced code blocks. The
// sections cover `text` whole, in order; text before the first heading is a section with an
// empty heading (left out when blank). Views point into `text`.
std::vector<MarkdownSection> SplitSections(absl::string_view text);

// The prose of Markdown `text`, one paragraph or list item a line: headings, fenced code,
// tables, HTML and blank lines left out; emphasis, inline-code backticks and link targets
// removed ("[text](url)" becomes "text"); lines of one paragraph joined with spaces.
std::string MarkdownProse(absl::string_view text);

}  // namespace octo::common
