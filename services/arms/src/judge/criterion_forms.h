// The criterion forms the judge recognises, as regular expressions over the lower-cased
// criterion. Internal to the judge arm.
#pragma once

#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "re2/re2.h"

namespace octo::arms::detail {

inline constexpr absl::string_view kNumber =
    "([0-9][0-9,_]*|a\\s+hundred|one\\s+hundred|a\\s+thousand|one\\s+thousand|zero|one|two|"
    "three|four|five|six|seven|eight|nine|ten|eleven|twelve|thirteen|fourteen|fifteen|sixteen|"
    "seventeen|eighteen|nineteen|twenty|thirty|forty|fifty|sixty|seventy|eighty|ninety|"
    "hundred|thousand)";
inline constexpr absl::string_view kUnit =
    "(words?|characters?|chars?|letters?|lines?|sentences?|paragraphs?|bullet\\s+points?|"
    "bullets?|list\\s+items?|items?|points?|bytes?)";
inline constexpr absl::string_view kUnitSuffix =
    "(?:\\s+(?:long|in\\s+length|in\\s+total|total|or\\s+so|max(?:imum)?))?";
inline constexpr absl::string_view kCountVerbs =
    "(?:(?:be|is|are|has|have|contain|contains|use|uses|consist\\s+of|consists\\s+of|span|"
    "spans|run|runs|keep\\s+it|keep\\s+to|stay|stays|remain|remains|with|in|of|length|"
    "limited\\s+to|limit\\s+of)\\s+)*";
inline constexpr absl::string_view kComparator =
    "(at\\s+most|no\\s+more\\s+than|not\\s+more\\s+than|up\\s+to|a\\s+maximum\\s+of|"
    "maximum\\s+of|maximum|max\\.?|no\\s+longer\\s+than|not\\s+longer\\s+than|within|<=|≤|"
    "under|fewer\\s+than|less\\s+than|below|shorter\\s+than|<|at\\s+least|no\\s+fewer\\s+than|"
    "no\\s+less\\s+than|not\\s+less\\s+than|a\\s+minimum\\s+of|minimum\\s+of|minimum|min\\.?|"
    "no\\s+shorter\\s+than|>=|≥|more\\s+than|over|longer\\s+than|greater\\s+than|above|>|"
    "exactly|precisely|=)";

// Compiles one of the judge's fixed patterns; a pattern that does not compile is a bug (the
// process aborts). The result lives for the rest of the process.
const RE2* Compile(const std::string& pattern);

// The criterion forms, compiled once.
struct Forms {
  const RE2* subject = Compile(
      "(?:(?:the|its|your|this|that|each|every)\\s+)?(?:(?:final|generated|whole|entire|full)"
      "\\s+)?(?:output|answer|result|response|reply|candidate|text|summary|content|message|"
      "report|document|it|they)(?:\\s*:)?\\s+");
  const RE2* negation = Compile(
      "(?:(?:must|should|shall|will|can|could|may|does|do|did|is|are|has\\s+to|have\\s+to|"
      "needs\\s+to|need\\s+to|ought\\s+to)\\s+(?:not|never)\\s+|(?:mustn't|shouldn't|"
      "shan't|won't|cannot|can't|doesn't|don't|isn't|aren't|didn't)\\s+|never\\s+|not\\s+)");
  const RE2* modal = Compile(
      "(?:must|should|shall|will|can|has\\s+to|have\\s+to|needs\\s+to|need\\s+to|"
      "is\\s+required\\s+to|is\\s+expected\\s+to|ought\\s+to|is\\s+to)\\s+");
  const RE2* always = Compile("(?:always|also|clearly|explicitly)\\s+");
  const RE2* empty = Compile(
      "(?:(?:be|is|are)\\s+)?(?:left\\s+)?(empty|blank|non-?\\s?empty|nonempty|"
      "non-?blank)");
  const RE2* has_content =
      Compile("(?:has|have|contain|contains)\\s+(?:some\\s+)?(?:content|text)");
  const RE2* json = Compile(
      "(?:(?:be|is|are)\\s+)?(?:(?:in|formatted\\s+as|written\\s+in|parses?\\s+as|"
      "parseable\\s+as|a|an|valid|well-formed|strict|proper|parseable|correct)\\s+)*json"
      "(?:\\s+(object|array|document|value|data|text))?(?:\\s+format)?");
  const RE2* regex = Compile(
      "(fully\\s+|entirely\\s+|completely\\s+)?(?:match|matches|conform\\s+to|"
      "conforms\\s+to|satisfy|satisfies)\\s+(?:the\\s+)?(?:following\\s+)?"
      "(regex|regexp|regular\\s+expression|pattern)?\\s*:?\\s*(.+)");
  const RE2* starts = Compile("(?:start|starts|begin|begins|open|opens)\\s+with\\s+(.+)");
  const RE2* ends = Compile("(?:end|ends|finish|finishes|close|closes)\\s+with\\s+(.+)");
  const RE2* exceed = Compile(
      absl::StrCat("(?:exceed|exceeds|go\\s+over|goes\\s+over|surpass|surpasses)\\s+(?:the\\s+)?",
                   kNumber, "\\s*-?\\s*", kUnit, kUnitSuffix));
  const RE2* between =
      Compile(absl::StrCat(kCountVerbs, "(?:between|from)\\s+", kNumber, "\\s+(?:and|to|-)\\s+",
                           kNumber, "\\s+", kUnit, kUnitSuffix));
  const RE2* range = Compile(
      absl::StrCat(kCountVerbs, kNumber, "\\s*[-–]\\s*", kNumber, "\\s+", kUnit, kUnitSuffix));
  const RE2* count_before = Compile(
      absl::StrCat(kCountVerbs, kComparator, "\\s*", kNumber, "\\s*-?\\s*", kUnit, kUnitSuffix));
  const RE2* count_after = Compile(
      absl::StrCat(kCountVerbs, kNumber, "\\s*-?\\s*", kUnit,
                   "\\s+(or\\s+(?:fewer|less|shorter|under)|or\\s+(?:more|longer|over)|at\\s+most|"
                   "max(?:imum)?|at\\s+least|min(?:imum)?)"));
  const RE2* unit_first = Compile(absl::StrCat(
      "(?:the\\s+)?(word|character|line|sentence|paragraph|byte)\\s+count\\s+(?:(?:is|must"
      "\\s+be|should\\s+be|of)\\s+)?",
      kComparator, "\\s*", kNumber));
  const RE2* length =
      Compile(absl::StrCat("(?:the\\s+)?length\\s+(?:(?:is|must\\s+be|should\\s+be|of)\\s+)?",
                           kComparator, "\\s*", kNumber, "(?:\\s+(?:characters?|chars?))?"));
  const RE2* contains_no = Compile(
      "(?:contain|contains|include|includes|mention|mentions|have|has|use|uses)\\s+no\\s+(.+)");
  const RE2* use_word = Compile(
      "(?:use|uses|have|has|say|says|contain|contains|include|includes)\\s+(?:the\\s+)?"
      "(?:word|words|phrase|phrases|term|terms|string|strings|keyword|keywords)\\s+(.+)");
  const RE2* contains = Compile(
      "(?:contain|contains|include|includes|mention|mentions|reference|references|cite|cites|"
      "refer\\s+to|refers\\s+to|say|says|quote|quotes)\\s+(.+)");
  const RE2* exclude = Compile(
      "(?:exclude|excludes|omit|omits|avoid\\s+mentioning|avoids\\s+mentioning|avoid|avoids|"
      "leave\\s+out|leaves\\s+out|be\\s+free\\s+of|is\\s+free\\s+of|free\\s+of)\\s+(.+)");
  const RE2* without =
      Compile("(?:without|no\\s+mention\\s+of|no\\s+mentions\\s+of|no|zero)\\s+(.+)");
};

// The forms, compiled once. Thread-safe.
const Forms& GetForms();

}  // namespace octo::arms::detail
