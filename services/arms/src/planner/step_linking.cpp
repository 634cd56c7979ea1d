#include "src/planner/step_linking.h"

#include <set>
#include <utility>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/numbers.h"
#include "octo/common/words.h"
#include "src/runtime/text_match.h"

namespace octo::arms::detail {
namespace {

using WordSet = absl::flat_hash_set<absl::string_view>;

// What a sub-goal's words say about the results before it.
struct References {
  // "it", "the result": the previous result.
  bool singular = false;
  // "them", "these results", "compare": all earlier results nothing uses yet.
  bool plural = false;
  // Earlier sub-goals named by number ("step 2"), as indexes.
  std::vector<int> named;
  // A write-up gathers what came before: "Summarise …", "Write a report …".
  bool write_up = false;
};

// The references in `words`, the words of sub-goal `index`.
References FindReferences(const std::vector<std::string>& words, int index) {
  static const auto* const kSingular = new WordSet(
      {"it", "its", "it's", "previous", "preceding", "earlier", "prior", "aforementioned"});
  static const auto* const kPlural = new WordSet(
      {"them",        "they",      "their",   "these",      "those",      "both",     "above",
       "compare",     "comparing", "combine", "combining",  "merge",      "merging",  "aggregate",
       "consolidate", "integrate", "collate", "synthesise", "synthesize", "contrast", "reconcile"});
  static const auto* const kDeterminers = new WordSet(
      {"the", "this", "that", "these", "those", "its", "their", "each", "such", "your"});
  static const auto* const kResultNouns =
      new WordSet({"result", "output", "finding", "answer", "summary", "outcome", "list", "table"});
  static const auto* const kResultsNouns = new WordSet(
      {"results", "outputs", "findings", "answers", "summaries", "outcomes", "lists", "tables"});
  References refs;
  for (size_t k = 0; k < words.size(); ++k) {
    const std::string& w = words[k];
    refs.singular = refs.singular || kSingular->contains(w);
    refs.plural = refs.plural || kPlural->contains(w);
    if (k > 0 && kDeterminers->contains(words[k - 1])) {
      refs.singular = refs.singular || kResultNouns->contains(w);
      refs.plural = refs.plural || kResultsNouns->contains(w);
    }
    if ((w == "step" || w == "steps") && k + 1 < words.size()) {
      for (size_t m = k + 1; m < words.size(); ++m) {
        if (words[m] == "and" || words[m] == "or") continue;
        int n = 0;
        if (words[m].size() > 3 || !absl::SimpleAtoi(words[m], &n)) break;
        if (n >= 1 && n <= index) refs.named.push_back(n - 1);
      }
    }
  }
  static const auto* const kSummarise =
      new WordSet({"summarise", "summarize", "conclude", "recap"});
  static const auto* const kCompose =
      new WordSet({"write", "draft", "compose", "prepare", "produce", "compile", "create"});
  static const auto* const kWriteUps =
      new WordSet({"report", "summary", "memo", "overview", "recap", "conclusion", "brief",
                   "briefing", "digest", "writeup", "comparison"});
  refs.write_up = !words.empty() && kSummarise->contains(words[0]);
  if (!words.empty() && kCompose->contains(words[0])) {
    for (size_t k = 1; k < words.size() && k < 5; ++k) {
      refs.write_up = refs.write_up || kWriteUps->contains(words[k]);
    }
  }
  return refs;
}

}  // namespace

SubGoalLinks LinkSubGoals(const std::vector<SubGoal>& goals) {
  SubGoalLinks links;
  links.deps.resize(goals.size());
  // The sub-goals nothing depends on yet.
  std::set<int> sinks;
  for (int i = 0; i < static_cast<int>(goals.size()); ++i) {
    std::set<int> mine;
    std::string reason;
    if (i > 0) {
      const References refs = FindReferences(common::Words(goals[i].text), i);
      if (!refs.named.empty()) {
        mine.insert(refs.named.begin(), refs.named.end());
        reason = "names an earlier step";
      }
      if (goals[i].ordered) {
        mine.insert(sinks.begin(), sinks.end());
        reason = "opens with an ordering word";
      } else if (!refs.named.empty()) {
        // The named steps are all it needs.
      } else if (refs.plural) {
        mine.insert(sinks.begin(), sinks.end());
        reason = "uses the earlier results";
      } else if (refs.singular) {
        mine.insert(i - 1);
        reason = "refers to the previous result";
      } else if (refs.write_up) {
        mine.insert(sinks.begin(), sinks.end());
        reason = "writes up the earlier results";
      } else if (goals[i].continues) {
        mine.insert(i - 1);
        reason = "continues the sentence before it";
      }
    }
    for (int d : mine) sinks.erase(d);
    sinks.insert(i);
    links.deps[i].assign(mine.begin(), mine.end());
    links.reasons.push_back(std::move(reason));
  }
  return links;
}

}  // namespace octo::arms::detail
