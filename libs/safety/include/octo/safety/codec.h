// Decoders for payloads hidden in base64, hex or rot13.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace octo::safety {

// Standard or URL-safe alphabet, padding optional, no whitespace. nullopt when the input has
// a character outside the alphabet, misplaced padding, or a length of 1 mod 4.
std::optional<std::string> DecodeBase64(std::string_view in);

// Pairs of hex digits, either case, no separators. nullopt on odd length or a non-hex digit.
std::optional<std::string> DecodeHex(std::string_view in);

// Rotates ASCII letters by 13; every other byte is kept, so offsets are preserved.
std::string Rot13(std::string_view in);

// True if `bytes` is valid UTF-8 made mostly (>= 90%) of printable characters and whitespace
// and contains at least one letter: a cheap test that a decoded payload is text.
bool LooksLikeText(std::string_view bytes);

}  // namespace octo::safety
