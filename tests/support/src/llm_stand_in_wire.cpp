#include "llm_stand_in_wire.h"

#include <nlohmann/json.hpp>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"

namespace octo::testing::detail {
namespace {

using Json = nlohmann::ordered_json;

constexpr int64_t kCreated = 1'700'000'000;

// Words, each with the whitespace after it, so that the pieces concatenate to `text`.
std::vector<std::string> WordPieces(absl::string_view text) {
  std::vector<std::string> pieces;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = start;
    while (end < text.size() && !absl::ascii_isspace(text[end])) ++end;
    while (end < text.size() && absl::ascii_isspace(text[end])) ++end;
    pieces.emplace_back(text.substr(start, end - start));
    start = end;
  }
  return pieces;
}

std::string FinishReason(LlmWire wire, const LlmReply& reply) {
  if (!reply.finish_reason.empty()) return reply.finish_reason;
  return wire == LlmWire::kOpenAi ? "stop" : "end_turn";
}

std::string Event(absl::string_view name, const Json& data) {
  if (name.empty()) return absl::StrCat("data: ", data.dump(), "\n\n");
  return absl::StrCat("event: ", name, "\ndata: ", data.dump(), "\n\n");
}

std::vector<std::string> OpenAiEvents(const LlmAnswer& answer) {
  const LlmReply& reply = *answer.reply;
  auto chunk = [&](Json delta, Json finish_reason) {
    Json choice = {{"index", 0},
                   {"delta", std::move(delta)},
                   {"logprobs", nullptr},
                   {"finish_reason", std::move(finish_reason)}};
    Json body = {{"id", answer.id},
                 {"object", "chat.completion.chunk"},
                 {"created", kCreated},
                 {"model", answer.model},
                 {"choices", Json::array({std::move(choice)})}};
    // With stream_options.include_usage, OpenAI sends "usage": null on every chunk but the
    // last one.
    if (reply.include_usage) body["usage"] = nullptr;
    return Event("", body);
  };
  std::vector<std::string> events;
  events.push_back(chunk({{"role", "assistant"}, {"content", ""}}, nullptr));
  for (const std::string& piece : WordPieces(reply.text)) {
    events.push_back(chunk({{"content", piece}}, nullptr));
  }
  events.push_back(chunk(Json::object(), FinishReason(LlmWire::kOpenAi, reply)));
  if (reply.include_usage) {
    Json usage = {{"prompt_tokens", reply.input_tokens},
                  {"completion_tokens", reply.output_tokens},
                  {"total_tokens", reply.input_tokens + reply.output_tokens}};
    events.push_back(Event("", {{"id", answer.id},
                                {"object", "chat.completion.chunk"},
                                {"created", kCreated},
                                {"model", answer.model},
                                {"choices", Json::array()},
                                {"usage", std::move(usage)}}));
  }
  events.push_back("data: [DONE]\n\n");
  return events;
}

std::vector<std::string> AnthropicEvents(const LlmAnswer& answer) {
  const LlmReply& reply = *answer.reply;
  Json message = {{"id", answer.id},         {"type", "message"},        {"role", "assistant"},
                  {"model", answer.model},   {"content", Json::array()}, {"stop_reason", nullptr},
                  {"stop_sequence", nullptr}};
  if (reply.include_usage) {
    message["usage"] = {{"input_tokens", reply.input_tokens}, {"output_tokens", 1}};
  }
  std::vector<std::string> events;
  events.push_back(
      Event("message_start", {{"type", "message_start"}, {"message", std::move(message)}}));
  events.push_back(
      Event("content_block_start", {{"type", "content_block_start"},
                                    {"index", 0},
                                    {"content_block", {{"type", "text"}, {"text", ""}}}}));
  // Anthropic interleaves pings; clients must ignore them.
  events.push_back("event: ping\ndata: {\"type\": \"ping\"}\n\n");
  for (const std::string& piece : WordPieces(reply.text)) {
    events.push_back(
        Event("content_block_delta", {{"type", "content_block_delta"},
                                      {"index", 0},
                                      {"delta", {{"type", "text_delta"}, {"text", piece}}}}));
  }
  events.push_back(Event("content_block_stop", {{"type", "content_block_stop"}, {"index", 0}}));
  Json delta = {
      {"type", "message_delta"},
      {"delta",
       {{"stop_reason", FinishReason(LlmWire::kAnthropic, reply)}, {"stop_sequence", nullptr}}}};
  if (reply.include_usage) delta["usage"] = {{"output_tokens", reply.output_tokens}};
  events.push_back(Event("message_delta", delta));
  events.push_back(Event("message_stop", {{"type", "message_stop"}}));
  return events;
}

// OpenAI's (type, code) for an HTTP status.
std::pair<std::string, Json> OpenAiErrorKind(int status) {
  switch (status) {
    case 400:
      return {"invalid_request_error", nullptr};
    case 401:
      return {"invalid_request_error", "invalid_api_key"};
    case 403:
      return {"permission_error", "unsupported_country_region_territory"};
    case 404:
      return {"invalid_request_error", "model_not_found"};
    case 429:
      return {"requests", "rate_limit_exceeded"};
    default:
      return {status >= 500 ? "server_error" : "invalid_request_error", nullptr};
  }
}

std::string AnthropicErrorType(int status) {
  switch (status) {
    case 400:
      return "invalid_request_error";
    case 401:
      return "authentication_error";
    case 403:
      return "permission_error";
    case 404:
      return "not_found_error";
    case 413:
      return "request_too_large";
    case 429:
      return "rate_limit_error";
    case 503:
    case 529:
      return "overloaded_error";
    default:
      return status >= 500 ? "api_error" : "invalid_request_error";
  }
}

std::string ErrorMessage(int status, absl::string_view api_key) {
  switch (status) {
    case 401:
      return absl::StrCat("Incorrect API key provided: ", api_key, ".");
    case 429:
      return "Rate limit reached for requests (stand-in).";
    default:
      return absl::StrCat("The stand-in answers ", status, ".");
  }
}

}  // namespace

std::string WholeAnswerBody(LlmWire wire, const LlmAnswer& answer) {
  const LlmReply& reply = *answer.reply;
  const std::string text = reply.text + std::string(reply.pad_bytes, ' ');
  Json body;
  if (wire == LlmWire::kOpenAi) {
    Json choice = {{"index", 0},
                   {"message", {{"role", "assistant"}, {"content", text}}},
                   {"logprobs", nullptr},
                   {"finish_reason", FinishReason(wire, reply)}};
    body = {{"id", answer.id},
            {"object", "chat.completion"},
            {"created", kCreated},
            {"model", answer.model},
            {"choices", Json::array({std::move(choice)})}};
    if (reply.include_usage) {
      body["usage"] = {{"prompt_tokens", reply.input_tokens},
                       {"completion_tokens", reply.output_tokens},
                       {"total_tokens", reply.input_tokens + reply.output_tokens}};
    }
  } else {
    body = {{"id", answer.id},
            {"type", "message"},
            {"role", "assistant"},
            {"model", answer.model},
            {"content", Json::array({{{"type", "text"}, {"text", text}}})},
            {"stop_reason", FinishReason(wire, reply)},
            {"stop_sequence", nullptr}};
    if (reply.include_usage) {
      body["usage"] = {{"input_tokens", reply.input_tokens},
                       {"output_tokens", reply.output_tokens}};
    }
  }
  return body.dump();
}

std::string ErrorBody(LlmWire wire, int status, absl::string_view api_key) {
  const std::string message = ErrorMessage(status, api_key);
  if (wire == LlmWire::kOpenAi) {
    auto [type, code] = OpenAiErrorKind(status);
    return Json{
        {"error", {{"message", message}, {"type", type}, {"param", nullptr}, {"code", code}}}}
        .dump();
  }
  return Json{{"type", "error"},
              {"error", {{"type", AnthropicErrorType(status)}, {"message", message}}}}
      .dump();
}

std::vector<std::string> StreamEvents(LlmWire wire, const LlmAnswer& answer) {
  return wire == LlmWire::kOpenAi ? OpenAiEvents(answer) : AnthropicEvents(answer);
}

}  // namespace octo::testing::detail
