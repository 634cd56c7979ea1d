// The bodies the LLM stand-in sends: whole answers, error bodies and SSE events in the
// OpenAI chat-completions and the Anthropic messages wire formats. Pure functions.
#pragma once

#include <string>
#include <vector>

#include "absl/strings/string_view.h"
#include "octo/testing/llm_stand_in.h"

namespace octo::testing::detail {

enum class LlmWire { kOpenAi, kAnthropic };

// What the stand-in knows when it answers: the reply to give, the model to name and an id
// for the answer.
struct LlmAnswer {
  const LlmReply* reply;
  std::string model;
  std::string id;
};

// A whole (non-streamed) 200 answer, with reply->pad_bytes of padding added to the text.
std::string WholeAnswerBody(LlmWire wire, const LlmAnswer& answer);

// The error body for reply->status; a 401 echoes `api_key` in its message (the way a
// careless provider would), so that tests can check clients keep it out of their errors.
std::string ErrorBody(LlmWire wire, int status, absl::string_view api_key);

// The SSE events of a streamed answer, each a complete event ending with a blank line.
std::vector<std::string> StreamEvents(LlmWire wire, const LlmAnswer& answer);

}  // namespace octo::testing::detail
