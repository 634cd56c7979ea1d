// Guessing which capabilities a request needs from its wording.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace octo::safety {

// Returns a subset of {"retrieve", "execute", "code", "plan"}, in that order:
//  retrieve: search / find / look up / questions such as "what is", "who", "when";
//  execute:  run / execute / command / shell / install / deploy;
//  code:     write / refactor / explain / debug code, function, bug, compile, stack trace;
//  plan:     multi-step goals ("plan", "steps", "first ... then", "roadmap", "strategy").
// Keyword based and cheap; meant as a hint for the router, not a classifier.
std::vector<std::string> RoutingHints(std::string_view text);

}  // namespace octo::safety
