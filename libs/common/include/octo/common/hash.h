// SHA-256 digests (OpenSSL), the one hash the project uses for keys and fingerprints.
#pragma once

#include <string>

#include "absl/strings/string_view.h"

namespace octo::common {

// The 32-byte SHA-256 digest of `data`, as raw bytes. Thread-safe.
std::string Sha256(absl::string_view data);

// The same digest as 64 lowercase hex digits.
std::string Sha256Hex(absl::string_view data);

}  // namespace octo::common
