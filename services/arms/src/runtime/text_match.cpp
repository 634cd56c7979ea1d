#include "src/runtime/text_match.h"

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "octo/common/utf8.h"
#include "octo/common/words.h"
#include "re2/re2.h"

namespace octo::arms {
namespace {

re2::StringPiece Piece(absl::string_view s) { return re2::StringPiece(s.data(), s.size()); }

// Letters, digits and "_" do not separate words.
constexpr absl::string_view kWordStart = "(?:^|[^\\pL\\pN_])";

// Case-insensitive search for `pattern`; `literal` is what it looks for, searched for with
// ASCII case folding when the pattern is too big for RE2.
bool Search(absl::string_view text, const std::string& pattern, absl::string_view literal) {
  RE2::Options options;
  options.set_log_errors(false);
  options.set_case_sensitive(false);
  RE2 re(pattern, options);
  if (!re.ok()) {
    return absl::StrContains(absl::AsciiStrToLower(text), absl::AsciiStrToLower(literal));
  }
  return RE2::PartialMatch(Piece(text), re);
}

// True when `s` starts with a letter or digit of a script that separates words with spaces
// (so a match must start a word); Chinese, Japanese and Thai text does not.
bool StartsWithWordChar(absl::string_view s) {
  static const RE2* const kUnspaced =
      new RE2("[\\p{Han}\\p{Hiragana}\\p{Katakana}\\p{Thai}\\p{Lao}\\p{Khmer}]");
  static const RE2* const kWordChar = new RE2("[\\pL\\pN]");
  if (s.empty()) return false;
  const size_t len = std::max<size_t>(1, common::Utf8SequenceLength(s));
  const re2::StringPiece first = Piece(s.substr(0, len));
  return RE2::FullMatch(first, *kWordChar) && !RE2::FullMatch(first, *kUnspaced);
}

}  // namespace

// Long because it holds the word list itself.
bool IsStopWord(absl::string_view word) {
  static const auto* const kStop = new absl::flat_hash_set<absl::string_view>({
      // Function words.
      "a",
      "about",
      "above",
      "after",
      "again",
      "all",
      "also",
      "am",
      "an",
      "and",
      "any",
      "are",
      "as",
      "at",
      "be",
      "because",
      "been",
      "before",
      "being",
      "below",
      "between",
      "both",
      "but",
      "by",
      "can",
      "could",
      "did",
      "do",
      "does",
      "doing",
      "done",
      "down",
      "during",
      "each",
      "either",
      "else",
      "etc",
      "every",
      "few",
      "for",
      "from",
      "further",
      "had",
      "has",
      "have",
      "having",
      "he",
      "her",
      "here",
      "hers",
      "him",
      "his",
      "how",
      "however",
      "i",
      "if",
      "in",
      "into",
      "is",
      "it",
      "it's",
      "its",
      "itself",
      "just",
      "least",
      "less",
      "let",
      "like",
      "many",
      "may",
      "me",
      "might",
      "more",
      "most",
      "much",
      "my",
      "no",
      "nor",
      "not",
      "now",
      "of",
      "off",
      "on",
      "once",
      "one",
      "only",
      "or",
      "other",
      "our",
      "ours",
      "out",
      "over",
      "own",
      "per",
      "same",
      "she",
      "so",
      "some",
      "such",
      "than",
      "that",
      "the",
      "their",
      "theirs",
      "them",
      "then",
      "there",
      "these",
      "they",
      "this",
      "those",
      "through",
      "to",
      "too",
      "under",
      "until",
      "up",
      "upon",
      "us",
      "very",
      "via",
      "was",
      "we",
      "were",
      "what",
      "when",
      "where",
      "whether",
      "which",
      "while",
      "who",
      "whom",
      "whose",
      "why",
      "with",
      "within",
      "without",
      "would",
      "yet",
      "you",
      "your",
      "yours",
      // Words that describe the response rather than its content.
      "must",
      "should",
      "shall",
      "will",
      "need",
      "needs",
      "needed",
      "required",
      "ought",
      "answer",
      "answers",
      "output",
      "outputs",
      "response",
      "responses",
      "result",
      "results",
      "reply",
      "candidate",
      "text",
      "content",
      "contain",
      "contains",
      "containing",
      "include",
      "includes",
      "including",
      "mention",
      "mentions",
      "mentioning",
      "mentioned",
      "state",
      "states",
      "stating",
      "explain",
      "explains",
      "explaining",
      "describe",
      "describes",
      "describing",
      "discuss",
      "discusses",
      "cover",
      "covers",
      "covering",
      "address",
      "addresses",
      "provide",
      "provides",
      "providing",
      "give",
      "gives",
      "giving",
      "list",
      "lists",
      "clearly",
      "correctly",
      "properly",
      "accurately",
      "briefly",
      "make",
      "makes",
      "sure",
      "ensure",
      "ensures",
      "use",
      "uses",
      "using",
      "refer",
      "refers",
      "reference",
      "references",
      "talk",
      "talks",
      "well",
      "good",
      "proper",
      "correct",
      "valid",
      "appropriate",
      "relevant",
      "information",
      "info",
      "something",
      "thing",
      "things",
  });
  return kStop->contains(word);
}

std::vector<std::string> ContentWords(absl::string_view text) {
  std::vector<std::string> out;
  absl::flat_hash_set<std::string> seen;
  for (std::string& word : common::Words(text)) {
    const bool single_letter =
        word.size() == 1 && !absl::ascii_isdigit(static_cast<unsigned char>(word[0]));
    if (single_letter || IsStopWord(word)) continue;
    if (seen.insert(word).second) out.push_back(std::move(word));
  }
  return out;
}

bool WordsMatch(absl::string_view a, absl::string_view b) {
  if (a == b) return true;
  if (a.size() > b.size()) std::swap(a, b);
  return a.size() >= 4 && b.size() - a.size() <= 3 && absl::StartsWith(b, a);
}

bool ContainsPhrase(absl::string_view text, absl::string_view phrase) {
  phrase = absl::StripAsciiWhitespace(phrase);
  if (phrase.empty()) return true;
  std::string pattern;
  if (StartsWithWordChar(phrase)) pattern = std::string(kWordStart);
  bool first = true;
  for (absl::string_view part :
       absl::StrSplit(phrase, absl::ByAnyChar(" \t\r\n\f\v"), absl::SkipEmpty())) {
    if (!first) pattern += "\\s+";
    first = false;
    absl::StrAppend(&pattern, RE2::QuoteMeta(Piece(part)));
  }
  return Search(text, pattern, phrase);
}

bool ContainsLiteral(absl::string_view text, absl::string_view literal) {
  if (literal.empty()) return true;
  return Search(text, RE2::QuoteMeta(Piece(literal)), literal);
}

std::string Excerpt(absl::string_view text, size_t max_bytes) {
  if (text.size() <= max_bytes) return std::string(text);
  return absl::StrCat(common::TruncateUtf8(text, max_bytes), "…");
}

std::vector<absl::string_view> Sentences(absl::string_view text) {
  std::vector<absl::string_view> out;
  size_t start = 0;
  auto emit = [&](size_t end) {
    absl::string_view s = absl::StripAsciiWhitespace(text.substr(start, end - start));
    if (!s.empty()) out.push_back(s);
    start = end;
  };
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      emit(i + 1);
    } else if ((c == '.' || c == '?' || c == '!') &&
               (i + 1 == text.size() || text[i + 1] == ' ')) {
      // Citation marks written after the full stop still belong to this sentence.
      size_t end = i + 1;
      while (end < text.size() &&
             (text[end] == '[' || (text[end] == ' ' && end + 1 < text.size() &&
                                   text[end + 1] == '['))) {
        const size_t close = text.find(']', end);
        if (close == absl::string_view::npos) break;
        end = close + 1;
      }
      emit(end);
      i = end - 1;
    }
  }
  emit(text.size());
  return out;
}

}  // namespace octo::arms
