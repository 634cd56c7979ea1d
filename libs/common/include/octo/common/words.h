// Splitting text into words: the one word splitter of capability inference, the planner and
// the judge.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace octo::common {

// Words of `text` in order: maximal runs of Unicode letters and digits, an apostrophe
// inside a word kept ("don't", "it’s"). ASCII letters are lower-cased; other letters are
// kept as they are. `text` must be valid UTF-8.
std::vector<std::string> Words(absl::string_view text);

}  // namespace octo::common
