// UTF-8 checks used wherever text enters the system.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"
#include "absl/strings/string_view.h"

namespace octo::common {

// Length of the well-formed UTF-8 sequence at the start of `text` (1-4), or 0 when it is
// malformed, overlong, a surrogate, beyond U+10FFFF or truncated.
size_t Utf8SequenceLength(absl::string_view text);

// True when all of `text` is well-formed UTF-8.
bool IsValidUtf8(absl::string_view text);

// Number of code points in valid UTF-8 `text`.
size_t Utf8Length(absl::string_view text);

// True when `text` has a control character other than tab, newline and carriage return
// (C0, DEL, or C1 U+0080..U+009F). `text` must be valid UTF-8.
bool HasControlCharacters(absl::string_view text);

}  // namespace octo::common

namespace octo::common {

// `text` with every malformed UTF-8 sequence replaced by U+FFFD, so it can go into a
// protobuf string field.
std::string ToValidUtf8(absl::string_view text);

}  // namespace octo::common
