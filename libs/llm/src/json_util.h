// Small helpers over nlohmann::json for reading provider responses without exceptions.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"
#include "nlohmann/json.hpp"

namespace octo::llm {

using Json = nlohmann::json;

// The parsed document, or a discarded value when `text` is not JSON.
inline Json ParseJson(absl::string_view text) {
  return Json::parse(text.begin(), text.end(), nullptr, /*allow_exceptions=*/false);
}

// obj[key] when obj is an object holding a string there, else "".
inline std::string StringAt(const Json& obj, const char* key) {
  if (!obj.is_object()) return "";
  auto it = obj.find(key);
  return it != obj.end() && it->is_string() ? it->get<std::string>() : "";
}

// obj[key] when obj is an object holding a non-negative integer there, else -1.
inline int64_t CountAt(const Json& obj, const char* key) {
  if (!obj.is_object()) return -1;
  auto it = obj.find(key);
  if (it == obj.end() || !it->is_number_integer()) return -1;
  const int64_t value = it->get<int64_t>();
  return value < 0 ? -1 : value;
}

// obj[key] when obj is an object holding an object there, else null.
inline const Json* ObjectAt(const Json& obj, const char* key) {
  if (!obj.is_object()) return nullptr;
  auto it = obj.find(key);
  return it != obj.end() && it->is_object() ? &*it : nullptr;
}

// Text cut to at most `max` bytes without splitting a UTF-8 sequence.
std::string CutUtf8(absl::string_view text, size_t max);

}  // namespace octo::llm
