// The answerer arm (capability "answer"): writes the answer to the goal from the passages and
// outputs of the steps it depends on, citing its sources. With a language model it asks the
// model to answer from the sources only; offline it quotes the best sentences
// (offline-extractive). Nothing to answer from, or no answer in the sources, is NOT_FOUND.
#pragma once

#include <memory>

#include "src/runtime/arm_handler.h"
#include "src/runtime/model.h"

namespace octo::arms {

struct AnswererOptions {
  // Most tokens of one answer (a step's budget share may lower it). Default 512.
  int max_answer_tokens = 512;
  // Source text put in the prompt, at most. Default 16 KiB.
  size_t max_source_bytes = 16 << 10;
};

// `model` must outlive the handler.
std::unique_ptr<ArmHandler> NewAnswerer(const ArmModel& model, AnswererOptions options = {});

// The reply a model gives when the sources do not answer the question.
inline constexpr char kNoAnswer[] = "NO_ANSWER";

}  // namespace octo::arms
