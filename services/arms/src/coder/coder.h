// The coder arm (capability "code"): a language model writes code for the instruction; the
// language's compiler or parser checks it in the sandbox, and its diagnostics go back to the
// model for a bounded number of repair rounds. It needs a model: without one there is no
// coder, and "code" is not offered.
#pragma once

#include <memory>
#include <string>

#include "absl/strings/string_view.h"
#include "src/executor/sandbox.h"
#include "src/runtime/arm_handler.h"
#include "src/runtime/model.h"

namespace octo::arms {

// How code of one language is checked: a program reading the code on stdin.
struct CodeCheck {
  std::string language;  // "python", "cpp", "c", "shell"
  std::string label;     // what the result names, e.g. "python3 compile"
  SandboxCommand command;
};

// The language an instruction asks for ("Write a C++ function …" → "cpp"); "python" when it
// names none. A language named that has no check here is returned as named ("rust").
std::string CodeLanguage(absl::string_view instruction);

// The check for `language`, when this machine has its checker; nullopt otherwise.
std::optional<CodeCheck> CheckFor(absl::string_view language);

// The code in a model's reply: the first fenced block, else the whole reply.
std::string CodeInReply(absl::string_view reply);

struct CoderOptions {
  int max_code_tokens = 2048;
  // Requests that send diagnostics back, at most. Default 2.
  int max_repairs = 2;
  SandboxLimits check_limits = {.timeout = absl::Seconds(20), .cpu_seconds = 20};
};

// `model` must be online and outlive the handler. A result whose code still fails its check
// after the repairs is FAILED_PRECONDITION with the last diagnostics.
std::unique_ptr<ArmHandler> NewCoder(const ArmModel& model, CoderOptions options = {});

}  // namespace octo::arms
