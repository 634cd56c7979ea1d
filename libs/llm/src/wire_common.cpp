// What both wire formats share: error bodies and cutting text for messages.
#include "json_util.h"
#include "octo/llm/wire.h"

namespace octo::llm {

std::string CutUtf8(absl::string_view text, size_t max) {
  if (text.size() <= max) return std::string(text);
  size_t end = max;
  while (end > 0 && (static_cast<unsigned char>(text[end]) & 0xC0) == 0x80) --end;
  return std::string(text.substr(0, end));
}

std::string ProviderErrorMessage(absl::string_view body) {
  constexpr size_t kMax = 300;
  const Json json = ParseJson(body);
  if (const Json* error = ObjectAt(json, "error")) {
    std::string message = StringAt(*error, "message");
    if (!message.empty()) return CutUtf8(message, kMax);
  }
  const std::string message = StringAt(json, "message");  // some local servers
  if (!message.empty()) return CutUtf8(message, kMax);
  if (json.is_string()) return CutUtf8(json.get<std::string>(), kMax);
  return CutUtf8(body, kMax);
}

}  // namespace octo::llm
