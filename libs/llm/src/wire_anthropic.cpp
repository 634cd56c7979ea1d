// The Anthropic Messages format: https://docs.anthropic.com/en/api/messages and its
// streaming events (message_start, content_block_delta, message_delta, message_stop).
#include "json_util.h"
#include "octo/llm/wire.h"

namespace octo::llm {
namespace {

void ReadUsage(const Json& usage, Usage* out) {
  const int64_t in = CountAt(usage, "input_tokens");
  const int64_t output = CountAt(usage, "output_tokens");
  if (in < 0 && output < 0) return;
  // Prompt caching reports the cached part of the input separately.
  int64_t input = std::max<int64_t>(in, 0);
  for (const char* key : {"cache_creation_input_tokens", "cache_read_input_tokens"}) {
    input += std::max<int64_t>(CountAt(usage, key), 0);
  }
  if (in >= 0) out->input_tokens = input;
  if (output >= 0) out->output_tokens = output;
  out->reported = true;
}

// An "error" object, in a response body or a stream event, as a status.
absl::Status StreamError(const Json& error) {
  const std::string type = StringAt(error, "type");
  const std::string message =
      absl::StrCat("anthropic: ", type, ": ", CutUtf8(StringAt(error, "message"), 300));
  if (type == "rate_limit_error") return absl::ResourceExhaustedError(message);
  if (type == "overloaded_error" || type == "api_error") return absl::UnavailableError(message);
  return absl::FailedPreconditionError(message);
}

class AnthropicStreamDecoder final : public StreamDecoder {
 public:
  absl::Status OnEvent(const SseEvent& event, Response* out, const TextSink& sink) override {
    const Json data = ParseJson(event.data);
    if (!data.is_object()) return absl::DataLossError("anthropic: stream event is not JSON");
    const std::string type = StringAt(data, "type");
    if (type == "message_start") {
      if (const Json* message = ObjectAt(data, "message")) {
        out->model = StringAt(*message, "model");
        if (const Json* usage = ObjectAt(*message, "usage")) ReadUsage(*usage, &out->usage);
      }
    } else if (type == "content_block_delta") {
      const Json* delta = ObjectAt(data, "delta");
      if (delta != nullptr && StringAt(*delta, "type") == "text_delta") {
        const std::string text = StringAt(*delta, "text");
        out->text += text;
        if (sink && !text.empty()) sink(text);
      }
    } else if (type == "message_delta") {
      if (const Json* delta = ObjectAt(data, "delta")) {
        if (std::string reason = StringAt(*delta, "stop_reason"); !reason.empty()) {
          out->finish_reason = reason;
        }
      }
      if (const Json* usage = ObjectAt(data, "usage")) ReadUsage(*usage, &out->usage);
    } else if (type == "message_stop") {
      done_ = true;
    } else if (type == "error") {
      const Json* error = ObjectAt(data, "error");
      return StreamError(error != nullptr ? *error : data);
    }
    return absl::OkStatus();  // ping, content_block_start/stop, future event types
  }
  bool done() const override { return done_; }

 private:
  bool done_ = false;
};

}  // namespace

std::string AnthropicRequestBody(const Request& request, absl::string_view model, bool stream) {
  Json body = {{"model", std::string(model)}, {"max_tokens", request.max_tokens},
               {"temperature", request.temperature}};
  std::string system;
  Json messages = Json::array();
  for (const Message& m : request.messages) {
    if (m.role == Role::kSystem) {
      absl::StrAppend(&system, system.empty() ? "" : "\n\n", m.content);
      continue;
    }
    const char* role = m.role == Role::kAssistant ? "assistant" : "user";
    // The API wants alternating turns: consecutive turns of one role are merged.
    if (!messages.empty() && messages.back()["role"] == role) {
      messages.back()["content"] =
          absl::StrCat(messages.back()["content"].get<std::string>(), "\n\n", m.content);
    } else {
      messages.push_back({{"role", role}, {"content", m.content}});
    }
  }
  if (!request.json_schema.empty()) {
    absl::StrAppend(&system, system.empty() ? "" : "\n\n",
                    "Answer with only one JSON value, no prose and no code fence, that is an "
                    "instance of this JSON Schema:\n",
                    request.json_schema);
  }
  if (!system.empty()) body["system"] = system;
  body["messages"] = std::move(messages);
  if (!request.stop.empty()) body["stop_sequences"] = request.stop;
  if (stream) body["stream"] = true;
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<Response> AnthropicResponse(absl::string_view body) {
  const Json json = ParseJson(body);
  if (!json.is_object()) return absl::DataLossError("anthropic: response is not JSON");
  if (StringAt(json, "type") == "error") {
    const Json* error = ObjectAt(json, "error");
    return StreamError(error != nullptr ? *error : json);
  }
  auto content = json.find("content");
  if (content == json.end() || !content->is_array()) {
    return absl::DataLossError("anthropic: response has no content");
  }
  Response out;
  bool has_text = false;
  for (const Json& block : *content) {
    if (StringAt(block, "type") != "text") continue;
    out.text += StringAt(block, "text");
    has_text = true;
  }
  if (!has_text) return absl::DataLossError("anthropic: response has no text block");
  out.finish_reason = StringAt(json, "stop_reason");
  out.model = StringAt(json, "model");
  if (const Json* usage = ObjectAt(json, "usage")) ReadUsage(*usage, &out.usage);
  return out;
}

std::unique_ptr<StreamDecoder> NewAnthropicStreamDecoder() {
  return std::make_unique<AnthropicStreamDecoder>();
}

}  // namespace octo::llm
