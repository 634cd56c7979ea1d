// Decoders for payloads hidden in base64, hex, rot13, URL percent-escapes or HTML character
// references.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "absl/functional/function_ref.h"

namespace octo::safety {

// Standard or URL-safe alphabet, padding optional, no whitespace. nullopt when the input has
// a character outside the alphabet, misplaced padding, or a length of 1 mod 4.
std::optional<std::string> DecodeBase64(std::string_view in);

// Pairs of hex digits, either case, no separators. nullopt on odd length or a non-hex digit.
std::optional<std::string> DecodeHex(std::string_view in);

// Rotates ASCII letters by 13; every other byte is kept, so offsets are preserved.
std::string Rot13(std::string_view in);

// `in` with its %XX escapes decoded (other bytes, '+' included, kept), or nullopt when it has
// fewer than `min_escapes` of them.
std::optional<std::string> DecodePercentEscapes(std::string_view in, size_t min_escapes);

// `in` with its HTML character references decoded: decimal (&#105;) and hex (&#x69;) ones and
// &lt; &gt; &amp; &quot; &apos; &nbsp;; nullopt when it has fewer than `min_refs` of them.
// References to code points that are not characters decode to U+FFFD.
std::optional<std::string> DecodeHtmlEntities(std::string_view in, size_t min_refs);

// True if `bytes` is valid UTF-8 made mostly (>= 90%) of printable characters and whitespace
// and contains at least one letter: a cheap test that a decoded payload is text.
bool LooksLikeText(std::string_view bytes);

// Calls fn(start, end, decoded) for each run of at least `min_run` base64 or hex characters
// (with up to two '=' of padding, included in [start, end)) that decodes to text; hex is
// tried first when the run is all hex digits.
void ForEachEncodedRun(
    std::string_view text, size_t min_run,
    absl::FunctionRef<void(uint32_t start, uint32_t end, std::string decoded)> fn);

}  // namespace octo::safety
