// Capability inference: which kind of work (retrieve, execute, code, plan, ...) a text asks
// for, guessed from its words. One lexicon, read two ways: RoutingHints for a whole request,
// WantedCapability for one planned step. Pure, cheap and thread-safe.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace octo::task {

// Hints for routing a whole request. Returns a subset of {"retrieve", "execute", "code",
// "plan"}, in that order:
//  retrieve: search / find / look up / questions such as "what is", "who", "when";
//  execute:  run / execute / command / shell / install / deploy;
//  code:     write / refactor / explain / debug code, function, bug, compile, stack trace;
//  plan:     multi-step goals ("plan", "steps", "first ... then", "roadmap", "strategy").
// Matches phrases at word boundaries, with short inflections ("searches"), in the first 4096
// bytes. A hint for the router, not a classifier.
std::vector<std::string> RoutingHints(absl::string_view text);

// The capability one step's instruction asks for most, or "" when nothing in its words points
// anywhere: retrieve/search/find/look up or a question → "retrieve"; run/execute a program or
// command, compute/count with one, or a command line (`wc -l`, a line starting with one of
// `programs` and an option or path) → "execute"; write/refactor/explain/fix code (a code noun,
// a language or a source file name) → "code"; one of `capabilities` other than those three
// named in the words ("translate" for "translation") → that one. Ties go to the earlier of
// retrieve, execute, code, then `capabilities` in order. `programs` are program names a step
// can run.
std::string WantedCapability(absl::string_view instruction,
                             const std::vector<std::string>& capabilities,
                             const std::vector<std::string>& programs);

// "run", "execute", "invoke" and their inflections, "launch". `word` is lower-case.
bool IsRunVerb(absl::string_view word);

// "what", "who", "when", "where", "which", "why", "how", ... `word` is lower-case.
bool IsQuestionWord(absl::string_view word);

// The text inside the first `…`, trimmed: a command given verbatim. "" when there is none.
absl::string_view BacktickSpan(absl::string_view text);

// The capabilities a planner is offered, in order of preference: `available` without the
// orchestrator's own stages ("plan", "judge"), the task's routing `hints` first (in their
// order), then the rest (in theirs). Hints not available are left out.
std::vector<std::string> PlannerCapabilities(const std::vector<std::string>& available,
                                             const std::vector<std::string>& hints);

}  // namespace octo::task
