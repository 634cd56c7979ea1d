// Integrating a round's step outputs into the task's result.
#pragma once

#include <string>

#include "octo/v1/arm.pb.h"
#include "octo/v1/task.pb.h"

namespace octo::orchestrator {

struct Integrated {
  std::string text;
  v1::ArmOutput output;
  v1::Provenance provenance;  // of the last sink
};

// The round's result from its succeeded work steps that no other succeeded work step of the
// round used (the sinks of what ran): one sink's text as it is, several sinks' texts each
// under a "[id capability]" heading; the typed output of the last sink. Empty when no work
// step of the round succeeded; the text is empty when the one sink's text is blank.
Integrated Integrate(const v1::Task& task, int round);

}  // namespace octo::orchestrator
