// The OpenAI-compatible chat-completions format (also spoken by llama.cpp server, vLLM and
// Ollama): https://platform.openai.com/docs/api-reference/chat
#include "json_util.h"
#include "octo/llm/wire.h"

namespace octo::llm {
namespace {

const char* RoleName(Role role) {
  switch (role) {
    case Role::kSystem: return "system";
    case Role::kAssistant: return "assistant";
    case Role::kUser: break;
  }
  return "user";
}

void ReadUsage(const Json& usage, Usage* out) {
  const int64_t in = CountAt(usage, "prompt_tokens");
  const int64_t completion = CountAt(usage, "completion_tokens");
  if (in < 0 && completion < 0) return;
  out->input_tokens = std::max<int64_t>(in, 0);
  out->output_tokens = std::max<int64_t>(completion, 0);
  out->reported = true;
}

class OpenAiStreamDecoder final : public StreamDecoder {
 public:
  absl::Status OnEvent(const SseEvent& event, Response* out, const TextSink& sink) override {
    if (event.data == "[DONE]") {
      done_ = true;
      return absl::OkStatus();
    }
    const Json chunk = ParseJson(event.data);
    if (!chunk.is_object()) return absl::DataLossError("openai: stream event is not JSON");
    if (const Json* error = ObjectAt(chunk, "error")) {
      return absl::UnavailableError(
          absl::StrCat("openai: stream error: ", CutUtf8(StringAt(*error, "message"), 300)));
    }
    if (std::string model = StringAt(chunk, "model"); !model.empty()) out->model = model;
    if (const Json* usage = ObjectAt(chunk, "usage")) ReadUsage(*usage, &out->usage);
    auto choices = chunk.find("choices");
    if (choices == chunk.end() || !choices->is_array() || choices->empty()) {
      return absl::OkStatus();  // e.g. the usage chunk
    }
    const Json& choice = (*choices)[0];
    if (std::string reason = StringAt(choice, "finish_reason"); !reason.empty()) {
      out->finish_reason = reason;
    }
    if (const Json* delta = ObjectAt(choice, "delta")) {
      const std::string text = StringAt(*delta, "content");
      if (!text.empty()) {
        out->text += text;
        if (sink) sink(text);
      }
    }
    return absl::OkStatus();
  }
  bool done() const override { return done_; }

 private:
  bool done_ = false;
};

}  // namespace

std::string OpenAiRequestBody(const Request& request, absl::string_view model, bool stream) {
  Json body = {{"model", std::string(model)}, {"max_tokens", request.max_tokens},
               {"temperature", request.temperature}};
  Json& messages = body["messages"] = Json::array();
  for (const Message& m : request.messages) {
    messages.push_back({{"role", RoleName(m.role)}, {"content", m.content}});
  }
  if (!request.stop.empty()) body["stop"] = request.stop;
  if (!request.json_schema.empty()) {
    Json schema = ParseJson(request.json_schema);
    if (schema.is_object()) {
      body["response_format"] = {
          {"type", "json_schema"},
          {"json_schema", {{"name", "answer"}, {"schema", std::move(schema)}}}};
    } else {
      body["response_format"] = {{"type", "json_object"}};
    }
  }
  if (stream) {
    body["stream"] = true;
    body["stream_options"] = {{"include_usage", true}};
  }
  return body.dump(-1, ' ', false, Json::error_handler_t::replace);
}

absl::StatusOr<Response> OpenAiResponse(absl::string_view body) {
  const Json json = ParseJson(body);
  if (!json.is_object()) return absl::DataLossError("openai: response is not JSON");
  auto choices = json.find("choices");
  if (choices == json.end() || !choices->is_array() || choices->empty()) {
    return absl::DataLossError("openai: response has no choices");
  }
  const Json& choice = (*choices)[0];
  const Json* message = ObjectAt(choice, "message");
  if (message == nullptr || !message->contains("content") || !(*message)["content"].is_string()) {
    return absl::DataLossError("openai: response has no message text");
  }
  Response out;
  out.text = (*message)["content"].get<std::string>();
  out.finish_reason = StringAt(choice, "finish_reason");
  out.model = StringAt(json, "model");
  if (const Json* usage = ObjectAt(json, "usage")) ReadUsage(*usage, &out.usage);
  return out;
}

std::unique_ptr<StreamDecoder> NewOpenAiStreamDecoder() {
  return std::make_unique<OpenAiStreamDecoder>();
}

}  // namespace octo::llm
