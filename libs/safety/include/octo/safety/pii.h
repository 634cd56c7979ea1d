// PII and secret detection over raw UTF-8 text, reporting byte spans.
#pragma once

#include <cstdint>
#include <memory>
#include <string_view>
#include <vector>

namespace octo::safety {

enum class PiiType : uint8_t {
  kEmail,
  kPhone,
  kCreditCard,
  kUsSsn,
  kIpAddress,
  kIban,
  kMacAddress,
  kCryptoAddress,
  kSecret,
};

inline constexpr int kPiiTypeCount = 9;

// "EMAIL", "PHONE", "CREDIT_CARD", "US_SSN", "IP_ADDRESS", "IBAN", "MAC_ADDRESS",
// "CRYPTO_ADDRESS", "SECRET". The returned view points at static storage.
std::string_view PiiTypeName(PiiType type);

// A detected value. [start, end) are byte offsets into the scanned text, covering the value
// only (no surrounding quotes, labels, ports or trailing punctuation).
struct PiiFinding {
  PiiType type;
  uint32_t start;
  uint32_t end;
  float confidence;  // in (0, 1]; validated checksums score highest.

  friend bool operator==(const PiiFinding&, const PiiFinding&) = default;
};

// Finds e-mail addresses, phone numbers, payment cards, US SSNs, IP/MAC addresses, IBANs,
// crypto addresses and secrets (cloud keys, tokens, JWTs, PEM private keys).
//
// Construction compiles the pattern database once (tens of milliseconds); a pattern that does
// not compile is a bug and aborts. Scan() is const and thread-safe: concurrent calls share the
// database and draw per-call scratch space from an internal pool.
class PiiDetector {
 public:
  PiiDetector();
  ~PiiDetector();
  PiiDetector(const PiiDetector&) = delete;
  PiiDetector& operator=(const PiiDetector&) = delete;

  // Returns findings sorted by start, never overlapping. Texts of 4 GiB or more are not
  // supported (offsets are 32-bit) and abort.
  std::vector<PiiFinding> Scan(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace octo::safety
