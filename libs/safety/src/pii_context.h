// Context words for numbers that are PII only when the text says so: a bare nine-digit SSN
// ("SSN 078051120"), an SSN written with spaces or dots, a bare ten-digit phone number, and
// national or "00"-prefixed phone numbers.
#pragma once

#include <cstdint>
#include <string_view>

namespace octo::safety::detail {

enum class Context : uint8_t { kSsn, kPhone };

// True when one of the context's words starts a word in the `window` bytes of `text` before
// `pos` ("ssn", "social security", "soc. sec.", "ss#"; "phone", "tel", "call", "mobile",
// "fax", "telefon", ...). Case-insensitive for ASCII; `window` is at most 128.
bool HasContextBefore(std::string_view text, uint32_t pos, Context context,
                      uint32_t window = 48);

}  // namespace octo::safety::detail
