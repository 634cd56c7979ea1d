// PII detector: one Hyperscan pass finds cheap candidate triggers, then per-type extractors
// find the exact token around each trigger and validate it (Luhn, mod-97, SSN rules, inet_pton,
// base58check, bech32, JWT header, ...). Only candidates are validated.
//
// Engine choice, measured on this machine (x86-64, AVX2) with the candidate patterns below over
// realistic text: with no PII in the text RE2::Set and Hyperscan both run at ~700-800 MB/s, but
// RE2::Set only says *which* patterns matched, so locating them costs one extra RE2 pass per
// matched pattern. On log-like text with a few values per line RE2::Set + locating passes ran
// at ~130 MB/s against ~400 MB/s for Hyperscan, which reports every match offset in its single
// pass. Hyperscan it is (Debian's libhyperscan-dev; x86-64 with SSSE3 only).

#include <algorithm>
#include <array>
#include <cstring>

#include "absl/strings/ascii.h"
#include "hs_matcher.h"
#include "pii_context.h"
#include "octo/common/check.h"
#include "octo/common/enum_names.h"
#include "octo/safety/pii.h"
#include "octo/safety/validators.h"

namespace octo::safety {
namespace {

using detail::HsMatcher;
using detail::HsPattern;

enum class Handler : uint8_t {
  kEmail,
  kPhoneIntl,
  kPhoneUs,
  kPhoneBare,      // ten digits, a phone number only after a phone word
  kPhoneNational,  // "0..." or "00..." digit groups, only after a phone word
  kCard,
  kSsn,
  kIpv4,
  kIpv6,
  kIban,
  kMac,
  kBtcBase58,
  kBech32,
  kEth,
  kFixedSecret,  // fixed-length token, format fully checked by the pattern
  kOpenAiKey,
  kSlackToken,
  kJwt,
  kPem,
  kCount,
};
constexpr size_t kHandlerCount = static_cast<size_t>(Handler::kCount);

struct Trigger {
  HsPattern pattern;
  Handler handler;
  uint8_t length;  // fixed match length, so start = end - length; 0 when variable.
};

// Triggers are deliberately loose; the handlers decide. Flags 0: no start-of-match tracking.
constexpr Trigger kTriggers[] = {
    {{R"([A-Za-z0-9_%+\-]@[A-Za-z0-9])", 0}, Handler::kEmail, 3},
    {{R"(\+[1-9])", 0}, Handler::kPhoneIntl, 2},
    {{R"(\d{3}[\-.]\d{3}[\-.]\d{4})", 0}, Handler::kPhoneUs, 12},
    {{R"(\d{3} \d{3} \d{4})", 0}, Handler::kPhoneUs, 12},
    {{R"(\(\d{3}\)\d{3}[\-. ]\d{4})", 0}, Handler::kPhoneUs, 13},
    {{R"(\(\d{3}\) \d{3}[\-. ]\d{4})", 0}, Handler::kPhoneUs, 14},
    {{R"(\d{16})", 0}, Handler::kCard, 16},
    {{R"(\d{4} \d{4} \d{4} \d{4})", 0}, Handler::kCard, 19},
    {{R"(\d{4}-\d{4}-\d{4}-\d{4})", 0}, Handler::kCard, 19},
    {{R"(3[47]\d{13})", 0}, Handler::kCard, 15},
    {{R"(3[47]\d\d \d{6} \d{5})", 0}, Handler::kCard, 17},
    {{R"(3[47]\d\d-\d{6}-\d{5})", 0}, Handler::kCard, 17},
    {{R"(\d{3}-\d\d-\d{4})", 0}, Handler::kSsn, 11},
    {{R"(\d{3} \d\d \d{4})", 0}, Handler::kSsn, 11},
    {{R"(\d{3}\.\d\d\.\d{4})", 0}, Handler::kSsn, 11},
    {{R"(\d{3}\xE2\x80\x93\d\d\xE2\x80\x93\d{4})", 0}, Handler::kSsn, 15},
    {{R"(\d{9})", 0}, Handler::kSsn, 9},
    {{R"(\d{10})", 0}, Handler::kPhoneBare, 10},
    {{R"(\b0\d)", 0}, Handler::kPhoneNational, 2},
    {{R"(\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3})", 0}, Handler::kIpv4, 0},
    {{R"([0-9A-Fa-f]::)", 0}, Handler::kIpv6, 0},
    {{R"(::[0-9A-Fa-f])", 0}, Handler::kIpv6, 0},
    {{R"([0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:[0-9A-Fa-f]{1,4}:)", 0},
     Handler::kIpv6,
     0},
    {{R"([A-Z]{2}\d\d[A-Z0-9]{4})", 0}, Handler::kIban, 8},
    {{R"([A-Z]{2}\d\d [A-Z0-9]{4})", 0}, Handler::kIban, 9},
    {{R"([0-9A-Fa-f]{2}(?::[0-9A-Fa-f]{2}){5})", 0}, Handler::kMac, 17},
    {{R"([0-9A-Fa-f]{2}(?:-[0-9A-Fa-f]{2}){5})", 0}, Handler::kMac, 17},
    {{R"([0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4}\.[0-9A-Fa-f]{4})", 0}, Handler::kMac, 14},
    {{R"(\b[13][1-9A-HJ-NP-Za-km-z]{25})", 0}, Handler::kBtcBase58, 26},
    {{R"(\b(?:bc|BC)1[02-9ac-hj-np-zAC-HJ-NP-Z]{11})", 0}, Handler::kBech32, 14},
    {{R"(\b0[xX][0-9a-fA-F]{40})", 0}, Handler::kEth, 42},
    {{R"(\b(?:AKIA|ASIA)[0-9A-Z]{16})", 0}, Handler::kFixedSecret, 20},
    {{R"(\bgh[pousr]_[A-Za-z0-9]{36})", 0}, Handler::kFixedSecret, 40},
    {{R"(\bAIza[0-9A-Za-z_\-]{35})", 0}, Handler::kFixedSecret, 39},
    {{R"(\bglpat-[0-9A-Za-z_\-]{20})", 0}, Handler::kFixedSecret, 26},
    {{R"(\b[sr]k_live_[0-9A-Za-z]{24})", 0}, Handler::kFixedSecret, 32},
    {{R"(\bsk-)", 0}, Handler::kOpenAiKey, 3},
    {{R"(\bxox[abposr]-)", 0}, Handler::kSlackToken, 5},
    {{R"(\beyJ[A-Za-z0-9_\-]{10})", 0}, Handler::kJwt, 13},
    {{R"(-----BEGIN [A-Z0-9 ]{0,40}PRIVATE KEY(?: BLOCK)?-----)", 0}, Handler::kPem, 0},
};
constexpr size_t kTriggerCount = sizeof(kTriggers) / sizeof(kTriggers[0]);

std::array<HsPattern, kTriggerCount> TriggerPatterns() {
  std::array<HsPattern, kTriggerCount> out{};
  for (size_t i = 0; i < kTriggerCount; ++i) out[i] = kTriggers[i].pattern;
  return out;
}

bool IsWord(char c) { return absl::ascii_isalnum(c) || c == '_'; }
bool IsBase64Url(char c) { return IsWord(c) || c == '-'; }
bool IsBase58(char c) {
  return absl::ascii_isalnum(c) && c != '0' && c != 'O' && c != 'I' && c != 'l';
}

// The scan state of one Scan() call.
class Extractor {
 public:
  Extractor(std::string_view text, std::vector<PiiFinding>& out) : t_(text), out_(out) {}

  void OnTrigger(const Trigger& trig, uint32_t end) {
    const auto h = static_cast<size_t>(trig.handler);
    if (end <= covered_[h]) return;  // inside a token this handler already examined
    uint32_t start = trig.length != 0 ? end - trig.length : end;
    uint32_t cover = end;
    switch (trig.handler) {
      case Handler::kEmail:
        cover = Email(start + 1);
        break;
      case Handler::kPhoneIntl:
        cover = PhoneIntl(start);
        break;
      case Handler::kPhoneUs:
        PhoneUs(start, end);
        break;
      case Handler::kPhoneBare:
        PhoneBare(start, end);
        break;
      case Handler::kPhoneNational:
        cover = PhoneNational(start);
        break;
      case Handler::kCard:
        Card(start, end);
        break;
      case Handler::kSsn:
        Ssn(start, end);
        break;
      case Handler::kIpv4:
        cover = Ipv4(end);
        break;
      case Handler::kIpv6:
        cover = Ipv6(end);
        break;
      case Handler::kIban:
        cover = Iban(start);
        break;
      case Handler::kMac:
        Mac(start, end);
        break;
      case Handler::kBtcBase58:
        cover = Btc(start);
        break;
      case Handler::kBech32:
        cover = Bech32(start);
        break;
      case Handler::kEth:
        Eth(start, end);
        break;
      case Handler::kFixedSecret:
        FixedSecret(start, end);
        break;
      case Handler::kOpenAiKey:
        cover = OpenAiKey(start);
        break;
      case Handler::kSlackToken:
        cover = SlackToken(start);
        break;
      case Handler::kJwt:
        cover = Jwt(start);
        break;
      case Handler::kPem:
        cover = Pem(end);
        break;
      case Handler::kCount:
        break;
    }
    covered_[h] = std::max(covered_[h], cover);
  }

 private:
  char At(int64_t i) const {
    return i >= 0 && i < static_cast<int64_t>(t_.size()) ? t_[static_cast<size_t>(i)] : '\0';
  }
  void Add(PiiType type, uint32_t start, uint32_t end, float confidence) {
    out_.push_back(PiiFinding{type, start, end, confidence});
  }
  // A number-like token must not continue into letters/digits, nor into another digit group
  // joined by '-', '.' or '/' (dates, ISBNs, longer numbers).
  bool NumericBoundaryBefore(uint32_t s) const {
    char p = At(int64_t{s} - 1);
    if (absl::ascii_isalnum(p) || p == '+' || p == '_') return false;
    if ((p == '-' || p == '.' || p == '/') && absl::ascii_isdigit(At(int64_t{s} - 2))) return false;
    return true;
  }
  bool NumericBoundaryAfter(uint32_t e) const {
    char n = At(e);
    if (IsWord(n)) return false;
    if ((n == '-' || n == '.' || n == '/') && absl::ascii_isdigit(At(int64_t{e} + 1))) return false;
    return true;
  }

  uint32_t Email(uint32_t at) {
    uint32_t s = at;
    while (s > 0) {
      char c = t_[s - 1];
      if (!absl::ascii_isalnum(c) && c != '.' && c != '_' && c != '%' && c != '+' && c != '-') {
        break;
      }
      --s;
    }
    while (s < at && (t_[s] == '.' || t_[s] == '-' || t_[s] == '+')) ++s;
    uint32_t e = at + 1;
    while (e < t_.size() && (absl::ascii_isalnum(t_[e]) || t_[e] == '.' || t_[e] == '-')) ++e;
    const uint32_t cover = e;
    while (e > at + 1 && (t_[e - 1] == '.' || t_[e - 1] == '-')) --e;
    if (s < at && IsEmailAddress(t_.substr(s, e - s))) Add(PiiType::kEmail, s, e, 0.95f);
    return cover;
  }

  uint32_t PhoneIntl(uint32_t plus) {
    char p = At(int64_t{plus} - 1);
    if (absl::ascii_isalnum(p) || p == '+' || p == '_') return plus + 1;
    uint32_t i = plus + 1, end = i;
    int digits = 0;
    char digit_buf[16];
    while (i < t_.size()) {
      uint32_t group_start = i;
      int group_digits = 0;
      if (t_[i] == '(') {
        uint32_t k = i + 1;
        while (k < t_.size() && absl::ascii_isdigit(t_[k]) && k - i <= 4) ++k;
        if (k == i + 1 || k >= t_.size() || t_[k] != ')') break;
        group_digits = static_cast<int>(k - i - 1);
        i = k + 1;
      } else if (absl::ascii_isdigit(t_[i])) {
        while (i < t_.size() && absl::ascii_isdigit(t_[i])) ++i;
        group_digits = static_cast<int>(i - group_start);
      } else {
        break;
      }
      if (digits + group_digits > 15) {
        i = group_start;
        break;
      }
      for (uint32_t k = group_start; k < i; ++k) {
        if (absl::ascii_isdigit(t_[k])) digit_buf[digits++] = t_[k];
      }
      end = i;
      if (i + 1 < t_.size() && (t_[i] == ' ' || t_[i] == '-' || t_[i] == '.') &&
          (absl::ascii_isdigit(t_[i + 1]) || t_[i + 1] == '(')) {
        ++i;
      } else if (i < t_.size() && t_[i] == '(') {
        continue;
      } else {
        break;
      }
    }
    if (digits < 8 || !NumericBoundaryAfter(end)) return end;
    if (digit_buf[0] == '1') {
      if (digits != 11 || !IsNanpNumber(std::string_view(digit_buf + 1, 10))) return end;
    }
    Add(PiiType::kPhone, plus, end, 0.85f);
    return end;
  }

  void PhoneUs(uint32_t s, uint32_t e) {
    // A leading "1-", "1." or "1 " (the NANP trunk prefix) belongs to the number.
    const char sep = At(int64_t{s} - 1);
    if ((sep == '-' || sep == '.' || sep == ' ') && At(int64_t{s} - 2) == '1' &&
        At(int64_t{s} - 3) != '+' && NumericBoundaryBefore(s - 2)) {
      s -= 2;
    } else if (!NumericBoundaryBefore(s)) {
      return;
    }
    if (!NumericBoundaryAfter(e)) return;
    if (At(int64_t{s} - 1) == '(' || At(e) == ')') return;
    char digits[11];
    int n = 0;
    for (uint32_t i = s; i < e && n < 11; ++i) {
      if (absl::ascii_isdigit(t_[i])) digits[n++] = t_[i];
    }
    const char* local = n == 11 ? digits + 1 : digits;
    if ((n == 10 || n == 11) && IsNanpNumber(std::string_view(local, 10))) {
      Add(PiiType::kPhone, s, e, 0.8f);
    }
  }

  void PhoneBare(uint32_t s, uint32_t e) {
    if (!NumericBoundaryBefore(s) || !NumericBoundaryAfter(e)) return;
    if (!IsNanpNumber(t_.substr(s, 10))) return;
    if (detail::HasContextBefore(t_, s, detail::Context::kPhone)) Add(PiiType::kPhone, s, e, 0.75f);
  }

  // Digit groups starting with the trunk prefix "0" (national: "030 1234567", "01 23 45 67
  // 89") or the international prefix "00" ("0044 20 7946 0958"), after a phone word.
  uint32_t PhoneNational(uint32_t s) {
    if (!NumericBoundaryBefore(s)) return s + 2;
    uint32_t i = s, end = s;
    int digits = 0, groups = 0;
    while (i < t_.size() && absl::ascii_isdigit(t_[i])) {
      const uint32_t group_start = i;
      while (i < t_.size() && absl::ascii_isdigit(t_[i])) ++i;
      digits += static_cast<int>(i - group_start);
      ++groups;
      end = i;
      const char sep = At(i);
      if ((sep == ' ' || sep == '-' || sep == '.' || sep == '/') && absl::ascii_isdigit(At(i + 1))) {
        ++i;
      } else {
        break;
      }
    }
    const bool international = At(int64_t{s} + 1) == '0';
    const int max_digits = international ? 17 : 12;
    if (digits < 9 || digits > max_digits || groups > 6 || !NumericBoundaryAfter(end)) return end;
    if (detail::HasContextBefore(t_, s, detail::Context::kPhone)) Add(PiiType::kPhone, s, end, 0.7f);
    return end;
  }

  void Card(uint32_t s, uint32_t e) {
    if (!NumericBoundaryBefore(s) || !NumericBoundaryAfter(e)) return;
    if (IsPaymentCard(t_.substr(s, e - s))) Add(PiiType::kCreditCard, s, e, 0.97f);
  }

  // "AAA-GG-SSSS" is an SSN by its shape; spaces, dots or bare digits only after an SSN word.
  void Ssn(uint32_t s, uint32_t e) {
    if (!NumericBoundaryBefore(s) || !NumericBoundaryAfter(e)) return;
    if (!IsUsSsn(t_.substr(s, e - s))) return;
    const bool dashed = t_[s + 3] == '-' || e - s == 15;
    if (dashed || detail::HasContextBefore(t_, s, detail::Context::kSsn)) {
      Add(PiiType::kUsSsn, s, e, dashed ? 0.9f : 0.85f);
    }
  }

  uint32_t Ipv4(uint32_t end) {
    uint32_t s = end;
    while (s > 0 && (absl::ascii_isdigit(t_[s - 1]) || t_[s - 1] == '.')) --s;
    uint32_t e = s;
    while (e < t_.size() && (absl::ascii_isdigit(t_[e]) || t_[e] == '.')) ++e;
    const uint32_t cover = e;
    while (e > s && t_[e - 1] == '.') --e;
    while (s < e && t_[s] == '.') ++s;
    char p = At(int64_t{s} - 1), n = At(e);
    if (IsWord(p) || IsWord(n)) return cover;
    if (IsIpv4(t_.substr(s, e - s))) Add(PiiType::kIpAddress, s, e, 0.9f);
    return cover;
  }

  uint32_t Ipv6(uint32_t end) {
    auto is_v6 = [](char c) { return absl::ascii_isxdigit(c) || c == ':' || c == '.'; };
    uint32_t s = end;
    while (s > 0 && is_v6(t_[s - 1]) && end - s < 64) --s;
    uint32_t e = end;
    while (e < t_.size() && is_v6(t_[e]) && e - s < 64) ++e;
    const uint32_t cover = e;
    if (IsWord(At(int64_t{s} - 1))) return cover;
    if (IsWord(At(e))) return cover;
    while (e > s && t_[e - 1] == '.') --e;
    if (e >= s + 2 && t_[e - 1] == ':' && t_[e - 2] != ':') --e;
    if (s + 2 <= e && t_[s] == ':' && t_[s + 1] != ':') ++s;
    std::string_view cand = t_.substr(s, e - s);
    size_t colons = static_cast<size_t>(std::count(cand.begin(), cand.end(), ':'));
    bool compressed = cand.find("::") != std::string_view::npos;
    bool has_digit = std::any_of(cand.begin(), cand.end(), absl::ascii_isdigit);
    if ((compressed || colons == 7) && has_digit && cand.size() >= 3 && IsIpv6(cand)) {
      Add(PiiType::kIpAddress, s, e, 0.9f);
    }
    return cover;
  }

  uint32_t Iban(uint32_t s) {
    if (IsWord(At(int64_t{s} - 1))) return s + 4;
    uint32_t i = s;
    int n = 0;
    uint32_t last = s;
    while (i < t_.size() && n < 34) {
      char c = t_[i];
      if (absl::ascii_isdigit(c) || absl::ascii_isupper(c)) {
        ++n;
        last = ++i;
      } else if (c == ' ' && n % 4 == 0 && i + 1 < t_.size() && absl::ascii_isalnum(t_[i + 1])) {
        ++i;
      } else {
        break;
      }
    }
    // Try the longest prefix that ends on a token boundary and validates; spaced IBANs may be
    // followed by other words, so shorten group by group.
    for (uint32_t e = last; e > s + 14; --e) {
      if (t_[e - 1] == ' ') continue;
      if (IsWord(At(e))) continue;
      if (IsIban(t_.substr(s, e - s))) {
        Add(PiiType::kIban, s, e, 0.97f);
        return e;
      }
    }
    return s + 4;
  }

  void Mac(uint32_t s, uint32_t e) {
    char p = At(int64_t{s} - 1), n = At(e);
    if (IsWord(p) || IsWord(n)) return;
    if ((p == ':' || p == '-' || p == '.') && absl::ascii_isxdigit(At(int64_t{s} - 2))) return;
    if ((n == ':' || n == '-' || n == '.') && absl::ascii_isxdigit(At(int64_t{e} + 1))) return;
    std::string_view cand = t_.substr(s, e - s);
    if (cand.size() == 14 && !std::any_of(cand.begin(), cand.end(), absl::ascii_isalpha)) return;
    if (IsMacAddress(cand)) Add(PiiType::kMacAddress, s, e, 0.9f);
  }

  uint32_t Btc(uint32_t s) {
    if (IsWord(At(int64_t{s} - 1))) return s + 26;
    uint32_t e = s;
    while (e < t_.size() && IsBase58(t_[e]) && e - s <= 35) ++e;
    if (e - s > 35 || IsWord(At(e))) return e;
    if (IsBitcoinBase58(t_.substr(s, e - s))) Add(PiiType::kCryptoAddress, s, e, 0.97f);
    return e;
  }

  uint32_t Bech32(uint32_t s) {
    uint32_t e = s;
    while (e < t_.size() && absl::ascii_isalnum(t_[e]) && e - s <= 90) ++e;
    if (IsWord(At(int64_t{s} - 1)) || IsWord(At(e))) return e;
    if (IsBitcoinBech32(t_.substr(s, e - s))) Add(PiiType::kCryptoAddress, s, e, 0.97f);
    return e;
  }

  void Eth(uint32_t s, uint32_t e) {
    if (IsWord(At(int64_t{s} - 1)) || IsWord(At(e))) return;
    if (IsEthereumAddress(t_.substr(s, e - s))) Add(PiiType::kCryptoAddress, s, e, 0.9f);
  }

  void FixedSecret(uint32_t s, uint32_t e) {
    if (IsWord(At(int64_t{s} - 1)) || IsWord(At(e))) return;
    Add(PiiType::kSecret, s, e, 0.95f);
  }

  uint32_t OpenAiKey(uint32_t s) {
    uint32_t e = s + 3;
    while (e < t_.size() && IsBase64Url(t_[e]) && e - s < 256) ++e;
    const uint32_t cover = e;
    while (e > s + 3 && (t_[e - 1] == '-' || t_[e - 1] == '_')) --e;
    std::string_view body = t_.substr(s + 3, e - s - 3);
    size_t digits =
        static_cast<size_t>(std::count_if(body.begin(), body.end(), absl::ascii_isdigit));
    size_t upper =
        static_cast<size_t>(std::count_if(body.begin(), body.end(), absl::ascii_isupper));
    if (body.size() >= 20 && digits >= 2 && upper >= 2 && !IsWord(At(int64_t{s} - 1))) {
      Add(PiiType::kSecret, s, e, 0.9f);
    }
    return cover;
  }

  uint32_t SlackToken(uint32_t s) {
    uint32_t e = s + 5;
    while (e < t_.size() && (absl::ascii_isalnum(t_[e]) || t_[e] == '-') && e - s < 256) ++e;
    const uint32_t cover = e;
    while (e > s + 5 && t_[e - 1] == '-') --e;
    std::string_view body = t_.substr(s + 5, e - s - 5);
    int groups = body.empty() ? 0 : 1 + static_cast<int>(std::count(body.begin(), body.end(), '-'));
    size_t first_dash = body.find('-');
    std::string_view first = body.substr(0, first_dash);
    std::string_view last = body.substr(body.rfind('-') + 1);
    bool first_numeric =
        first.size() >= 6 && std::all_of(first.begin(), first.end(), absl::ascii_isdigit);
    if (groups >= 3 && first_numeric && last.size() >= 12 && !IsWord(At(int64_t{s} - 1))) {
      Add(PiiType::kSecret, s, e, 0.95f);
    }
    return cover;
  }

  uint32_t Jwt(uint32_t s) {
    if (IsBase64Url(At(int64_t{s} - 1)) || At(int64_t{s} - 1) == '.') return s + 13;
    uint32_t e = s;
    int dots = 0;
    while (e < t_.size() && e - s < 16384) {
      char c = t_[e];
      if (IsBase64Url(c)) {
        ++e;
      } else if (c == '.' && dots < 2 && e + 1 < t_.size() && IsBase64Url(t_[e + 1])) {
        ++dots;
        ++e;
      } else {
        break;
      }
    }
    if (dots == 2 && !IsBase64Url(At(e)) && IsJwt(t_.substr(s, e - s))) {
      Add(PiiType::kSecret, s, e, 0.95f);
    }
    return e;
  }

  uint32_t Pem(uint32_t end) {
    static constexpr std::string_view kBegin = "-----BEGIN ";
    uint32_t lo = end > 80 ? end - 80 : 0;
    size_t s = t_.substr(lo, end - lo).rfind(kBegin);
    if (s == std::string_view::npos) return end;
    s += lo;
    std::string_view label = t_.substr(s + kBegin.size(), end - 5 - (s + kBegin.size()));
    std::string footer = "-----END ";
    footer.append(label);
    footer.append("-----");
    size_t f = t_.find(footer, end);
    uint32_t e;
    if (f != std::string_view::npos) {
      e = static_cast<uint32_t>(f + footer.size());
    } else {
      // No footer: take the base64 body lines that follow.
      e = end;
      uint32_t i = end;
      while (i < t_.size()) {
        char c = t_[i];
        if (absl::ascii_isalnum(c) || c == '+' || c == '/' || c == '=' || c == '\n' || c == '\r') {
          if (c != '\n' && c != '\r') e = i + 1;
          ++i;
        } else {
          break;
        }
      }
    }
    Add(PiiType::kSecret, static_cast<uint32_t>(s), e, 0.99f);
    return e;
  }

  std::string_view t_;
  std::vector<PiiFinding>& out_;
  std::array<uint32_t, kHandlerCount> covered_{};
};

// Sorts and removes overlaps, keeping the longer span (the earlier one on ties).
void ResolveOverlaps(std::vector<PiiFinding>& f) {
  std::sort(f.begin(), f.end(), [](const PiiFinding& a, const PiiFinding& b) {
    return a.start != b.start ? a.start < b.start : a.end > b.end;
  });
  size_t kept = 0;
  for (size_t i = 0; i < f.size(); ++i) {
    if (kept > 0 && f[i].start < f[kept - 1].end) {
      PiiFinding& prev = f[kept - 1];
      if (f[i].end - f[i].start > prev.end - prev.start) prev = f[i];
      continue;
    }
    f[kept++] = f[i];
  }
  f.resize(kept);
}

constexpr common::EnumName<PiiType> kPiiTypeNames[] = {{PiiType::kEmail, "EMAIL"},
                                                       {PiiType::kPhone, "PHONE"},
                                                       {PiiType::kCreditCard, "CREDIT_CARD"},
                                                       {PiiType::kUsSsn, "US_SSN"},
                                                       {PiiType::kIpAddress, "IP_ADDRESS"},
                                                       {PiiType::kIban, "IBAN"},
                                                       {PiiType::kMacAddress, "MAC_ADDRESS"},
                                                       {PiiType::kCryptoAddress, "CRYPTO_ADDRESS"},
                                                       {PiiType::kSecret, "SECRET"}};

}  // namespace

std::string_view PiiTypeName(PiiType type) {
  return common::NameOf(kPiiTypeNames, type, "UNKNOWN");
}

struct PiiDetector::Impl {
  Impl() : matcher(TriggerPatterns()) {}
  HsMatcher matcher;
};

PiiDetector::PiiDetector() : impl_(std::make_unique<Impl>()) {}
PiiDetector::~PiiDetector() = default;

std::vector<PiiFinding> PiiDetector::Scan(std::string_view text) const {
  OCTO_CHECK(text.size() < (uint64_t{1} << 32) - 1, "text too large for 32-bit offsets");
  std::vector<PiiFinding> out;
  Extractor extractor(text, out);
  impl_->matcher.Scan(text, [&](unsigned id, uint32_t /*from*/, uint32_t to) {
    extractor.OnTrigger(kTriggers[id], to);
    return false;
  });
  if (out.size() > 1) ResolveOverlaps(out);
  return out;
}

}  // namespace octo::safety
