// Which capability a sub-goal's step uses, and the command an "execute" step runs.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace octo::arms {

// The capability a sub-goal's words ask for, and the one it gets.
struct CapabilityChoice {
  // What the words ask for; empty when nothing in them points anywhere.
  std::string wanted;
  // `wanted` when available, else "retrieve" when available, else the first of the
  // available capabilities.
  std::string capability;
};

// Routes `text` by what its words ask for (task::WantedCapability: retrieve/search/find/look
// up → "retrieve"; run/execute a program or command, or a command line → "execute";
// write/refactor/explain/fix code → "code"; any other available capability named in the words
// → that one). `capabilities` must not be empty. `programs` are the names the executor runs.
CapabilityChoice ChooseCapability(absl::string_view text,
                                  const std::vector<std::string>& capabilities,
                                  const std::vector<std::string>& programs);

// The instruction an "execute" step gets: the text inside `…` when there is one; else, when
// `text` starts with a known program (after an optional "run"/"execute"), that program and
// its arguments up to an "and", "then" or comma; else `text`.
std::string CommandInstruction(absl::string_view text, const std::vector<std::string>& programs);

}  // namespace octo::arms
