// A real local HTTP server that speaks the OpenAI chat-completions and the Anthropic
// messages wire formats (whole and streamed), for integration and end-to-end tests of
// everything that calls a language model. Built on cpp-httplib; listens on 127.0.0.1.
//
//   auto llm = LlmStandIn::Start();                     // free port
//   (*llm)->Enqueue({.status = 429, .retry_after_seconds = 1});
//   (*llm)->Enqueue({.text = "Paris."});
//   ... point the client at (*llm)->base_url() ...
//   EXPECT_EQ((*llm)->requests().size(), 2);
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace octo::testing {

// What one request gets. The defaults answer 200 with `text` in the wire format of the path
// that was called (/v1/chat/completions or /v1/messages), streamed as SSE when the request
// body says "stream": true. A status other than 200 gets the provider's error body; a 401's
// message echoes the API key the request carried, so tests can check clients drop it.
struct LlmReply {
  int status = 200;
  std::string text = "stand-in answer";
  // Reported usage; omitted from the response (and the stream) when include_usage is false.
  int input_tokens = 11;
  int output_tokens = 7;
  bool include_usage = true;
  std::string finish_reason;  // empty: "stop" (OpenAI) / "end_turn" (Anthropic)
  std::string model;          // empty: the request's model
  // Sent as the Retry-After header when set (seconds).
  std::optional<int> retry_after_seconds;
  // When not empty: sent verbatim as the body (Content-Type application/json), e.g. for
  // malformed JSON or error bodies; `text` and usage are then ignored.
  std::string raw_body;
  // Waits before sending the status line.
  absl::Duration delay_before_headers = absl::ZeroDuration();
  // Streamed replies: the SSE body is cut into pieces of this many bytes (1 = every byte
  // its own write), each flushed on its own; 0 = one piece per event.
  size_t chunk_bytes = 0;
  // Streamed replies: waits between pieces.
  absl::Duration delay_between_chunks = absl::ZeroDuration();
  // Streamed replies: after this many pieces, stops sending and holds the connection open
  // for `hang_for` (to test idle timeouts, deadlines and cancellation mid-stream), then
  // closes it with the stream unfinished. A hang ends early when the client goes away.
  std::optional<size_t> hang_after_chunks;
  absl::Duration hang_for = absl::Seconds(30);
  // Closes the connection without any response (connection reset / empty reply).
  bool drop_connection = false;
  // Adds this many bytes of padding to a whole (non-streamed) answer's text.
  size_t pad_bytes = 0;
};

// One request as the stand-in saw it.
struct LlmRecordedRequest {
  std::string path;                                       // "/v1/chat/completions"
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-cased
  std::string body;
  std::string Header(const std::string& lower_name) const;  // "" when absent
};

// The id of the first source an answerer's prompt lists ("Sources:" then "[id] ..."), as
// read from a request body; nullopt when the prompt lists none.
std::optional<std::string> FirstSourceId(const std::string& request_body);

class LlmStandIn {
 public:
  // Listens on 127.0.0.1 on a free port and serves on its own threads until destroyed: a
  // fixed pool of 96, one per open connection (so thread counts stay put while it serves).
  // The destructor ends hanging answers and kept-alive connections; it returns at once.
  static absl::StatusOr<std::unique_ptr<LlmStandIn>> Start();
  ~LlmStandIn();

  int port() const;
  // "http://127.0.0.1:<port>" (no trailing slash, no /v1).
  std::string base_url() const;

  // Scripted replies, used first-in first-out, one per request.
  void Enqueue(LlmReply reply);
  // What a request gets when the queue is empty (default: LlmReply{}). Called on a server
  // thread; `request` is the recorded request (body is the request JSON).
  void SetResponder(std::function<LlmReply(const LlmRecordedRequest& request)> responder);

  // Every request received so far, in order.
  std::vector<LlmRecordedRequest> requests() const;
  // Requests being answered now (handlers running), for concurrency tests.
  int in_flight() const;
  // Most requests that were being answered at the same time.
  int max_in_flight() const;

 private:
  struct State;
  explicit LlmStandIn(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace octo::testing
