// UTF-8 decoding and checks: the one decoder for text that enters or is scanned by the system.
#pragma once

#include <cstddef>
#include <string>

#include "absl/strings/string_view.h"

namespace octo::common {

// Decodes the well-formed UTF-8 sequence at the start of `text`: stores its code point in
// `*cp` and returns its length (1-4). Returns 0 and leaves `*cp` alone when `text` is empty or
// the sequence is malformed, overlong, a surrogate, beyond U+10FFFF or truncated.
size_t DecodeUtf8(absl::string_view text, char32_t* cp);

// Length of the well-formed UTF-8 sequence at the start of `text` (1-4), or 0 where
// DecodeUtf8 would fail.
size_t Utf8SequenceLength(absl::string_view text);

// Appends the UTF-8 encoding of `cp` to `*out`; U+FFFD for a surrogate or a value beyond
// U+10FFFF.
void AppendUtf8(char32_t cp, std::string* out);

// True for the bytes 0x80..0xBF, which continue a multi-byte sequence and never start one.
inline bool IsUtf8ContinuationByte(char c) {
  return (static_cast<unsigned char>(c) & 0xC0) == 0x80;
}

// True when all of `text` is well-formed UTF-8.
bool IsValidUtf8(absl::string_view text);

// Number of code points in valid UTF-8 `text`.
size_t Utf8Length(absl::string_view text);

// True when `text` has a control character other than tab, newline and carriage return
// (C0, DEL, or C1 U+0080..U+009F). `text` must be valid UTF-8.
bool HasControlCharacters(absl::string_view text);

// The longest prefix of `text` of at most `max_bytes` that does not cut a code point.
absl::string_view TruncateUtf8(absl::string_view text, size_t max_bytes);

// `text` with every malformed UTF-8 sequence replaced by U+FFFD, so it can go into a
// protobuf string field.
std::string ToValidUtf8(absl::string_view text);

}  // namespace octo::common
