#include "pii_context.h"

#include <algorithm>
#include <array>

#include "absl/strings/ascii.h"

namespace octo::safety::detail {
namespace {

constexpr uint32_t kMaxWindow = 128;

constexpr std::array<std::string_view, 9> kSsnWords = {
    "ssn", "ss#", "ss no", "ss number", "social security", "soc sec", "soc. sec", "socsec",
    "social-security"};
constexpr std::array<std::string_view, 23> kPhoneWords = {
    "phone",   "tel",      "call",     "cell",    "mobile",  "mob.",    "fax",    "ring",
    "contact", "whatsapp", "sms",      "text me", "reach me", "dial",   "hotline", "telefon", "rufnummer",
    "téléphone", "tél",    "teléfono", "móvil",   "handy",   "cellulare"};

template <size_t N>
bool AnyStartsWord(std::string_view lower, const std::array<std::string_view, N>& words) {
  for (std::string_view word : words) {
    for (size_t at = lower.find(word); at != std::string_view::npos; at = lower.find(word, at + 1)) {
      if (at == 0 || !absl::ascii_isalpha(static_cast<unsigned char>(lower[at - 1]))) {
        return true;
      }
    }
  }
  return false;
}

}  // namespace

bool HasContextBefore(std::string_view text, uint32_t pos, Context context, uint32_t window) {
  window = std::min<uint32_t>(window, kMaxWindow);
  const uint32_t lo = pos > window ? pos - window : 0;
  char buffer[kMaxWindow];
  for (uint32_t i = lo; i < pos; ++i) buffer[i - lo] = absl::ascii_tolower(text[i]);
  const std::string_view lower(buffer, pos - lo);
  return context == Context::kSsn ? AnyStartsWord(lower, kSsnWords)
                                  : AnyStartsWord(lower, kPhoneWords);
}

}  // namespace octo::safety::detail
