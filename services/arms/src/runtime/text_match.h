// Word-level text helpers shared by the planner and judge arms (the words themselves come
// from common::Words).
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace octo::arms {

// True for English function words and for words that describe a response rather than its
// content ("must", "answer", "mention", ...). `word` is lower-case.
bool IsStopWord(absl::string_view word);

// common::Words(text) without stop words, single letters and repeats, in order of first use.
std::vector<std::string> ContentWords(absl::string_view text);

// True when the lower-case words are equal or when one extends the other by at most three
// letters and the shorter has four or more ("cache" and "caches", "request" and "requests").
bool WordsMatch(absl::string_view a, absl::string_view b);

// True when `phrase` occurs in `text`, ignoring case (Unicode simple case folding) and
// treating any run of whitespace in `phrase` as matching any run of whitespace. When
// `phrase` starts with a letter or digit of a script that puts spaces between words, the
// match must start a word ("cat" is not found in "concatenate", "price" is found in
// "prices"; "東京" is found anywhere). An empty or blank phrase is always found.
bool ContainsPhrase(absl::string_view text, absl::string_view phrase);

// True when `literal` occurs in `text` as a substring, ignoring case.
bool ContainsLiteral(absl::string_view text, absl::string_view literal);

// At most `max_bytes` of `text`, cut at a code point boundary, with "…" appended when cut.
std::string Excerpt(absl::string_view text, size_t max_bytes);

// The sentences of `text`, stripped: a sentence ends at ". ", "? " or "! " (with any "[...]"
// citation marks written right after it) or at a line break. Views point into `text`.
std::vector<absl::string_view> Sentences(absl::string_view text);

}  // namespace octo::arms
