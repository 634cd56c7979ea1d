// The port to language models: one request/response shape for every provider, and the
// interface every adapter (OpenAI-compatible, Anthropic) and every decorator (limits,
// retries, single flight) implements.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace octo::llm {

enum class Role { kSystem, kUser, kAssistant };

struct Message {
  Role role = Role::kUser;
  std::string content;
};

struct Request {
  // Model name as the provider knows it; empty means the client's configured model.
  std::string model;
  std::vector<Message> messages;
  // Most tokens the model may produce (>= 1).
  int max_tokens = 1024;
  // 0 asks for the most deterministic answer; identical 0-temperature requests in flight
  // are coalesced by SingleFlight.
  double temperature = 0;
  // Sequences that end the answer when produced (at most 4).
  std::vector<std::string> stop;
  // When set: a JSON Schema (as JSON text) the answer must be an instance of. OpenAI gets
  // it as response_format json_schema; Anthropic as an instruction in the system prompt.
  std::string json_schema;
  // When the call must have ended; the HTTP total timeout is derived from it.
  absl::Time deadline = absl::InfiniteFuture();
  // Polled while the call runs; true ends it with CANCELLED. May be empty.
  std::function<bool()> cancelled;
};

// What the provider reported; `reported` is false when the response carried no usage.
struct Usage {
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  bool reported = false;
};

struct Response {
  std::string text;
  // As the provider said it, e.g. "stop", "length", "end_turn", "max_tokens".
  std::string finish_reason;
  Usage usage;
  // The model that answered, as the provider names it in the response.
  std::string model;
  // From sending the request to the last byte of the answer.
  absl::Duration latency = absl::ZeroDuration();
  // From sending the request to the first byte of answer text (streamed calls; equal to
  // latency otherwise).
  absl::Duration time_to_first_token = absl::ZeroDuration();
};

// Receives answer text as it is produced (streamed calls). Called from the client's I/O
// thread: it must not block.
using TextSink = std::function<void(absl::string_view delta)>;

// Implementations are thread-safe. Errors (see errors.h for how they are told apart):
//   INVALID_ARGUMENT    the request is malformed, or the provider said 400
//   UNAUTHENTICATED     the provider said 401; PERMISSION_DENIED for 403
//   RESOURCE_EXHAUSTED  the provider said 429, or a local limit/queue is full
//   UNAVAILABLE         5xx, connection refused or reset, circuit open
//   DEADLINE_EXCEEDED   the deadline, connect or idle timeout passed
//   CANCELLED           request.cancelled() turned true
//   DATA_LOSS           the response was not the wire format (malformed JSON, no text)
//   OUT_OF_RANGE        the response body was larger than allowed
class LlmClient {
 public:
  virtual ~LlmClient() = default;
  // Sends `request`; with a `sink`, streams the answer (SSE) and hands text to it as it
  // arrives. The returned text is the whole answer in both cases.
  virtual absl::StatusOr<Response> Complete(const Request& request,
                                            const TextSink& sink = nullptr) = 0;
  // "openai", "anthropic", ...
  virtual absl::string_view provider() const = 0;
  // The model used when a request names none.
  virtual absl::string_view default_model() const = 0;
};

}  // namespace octo::llm
