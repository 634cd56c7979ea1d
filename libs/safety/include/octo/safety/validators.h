// Checksum and format validators used to confirm PII candidates. Each takes the candidate
// exactly as it appears in text (with its usual separators) and is pure and thread-safe.
#pragma once

#include <string_view>

namespace octo::safety {

// Luhn mod-10 over the digits; spaces and dashes are skipped, any other character fails.
bool LuhnValid(std::string_view number);
// A Luhn-valid Visa (13/16/19 digits), Mastercard (51-55, 2221-2720; 16), Amex (34/37; 15) or
// Discover (6011, 644-649, 65, 622126-622925; 16-19) number.
bool IsPaymentCard(std::string_view number);
// "AAA-GG-SSSS", or the same with spaces, dots, en dashes or no separator, with area not
// 000, 666 or 900-999, group not 00, serial not 0000.
bool IsUsSsn(std::string_view ssn);
// Known country, the registry length for that country, mod-97 == 1. Single spaces between
// four-character groups are allowed.
bool IsIban(std::string_view iban);
// Dotted quad, each octet 0-255 without leading zeros.
bool IsIpv4(std::string_view ip);
// Any form inet_pton accepts (compressed, expanded, link-local, IPv4-suffixed).
bool IsIpv6(std::string_view ip);
// Six hex pairs separated by ':' or '-' (one kind), or three dot-separated hex quads.
bool IsMacAddress(std::string_view mac);
// Base58check P2PKH ("1...") or P2SH ("3...") mainnet address.
bool IsBitcoinBase58(std::string_view address);
// Segwit "bc1..." address with a valid bech32 (v0) or bech32m (v1+) checksum.
bool IsBitcoinBech32(std::string_view address);
// "0x" followed by exactly 40 hex digits.
bool IsEthereumAddress(std::string_view address);
// local@domain where the domain has at least two labels and an alphabetic TLD of 2+ letters
// that is not a file extension (so "icon@2x.png", "user@localhost" fail).
bool IsEmailAddress(std::string_view email);
// Three non-empty base64url parts; the first decodes to a JSON object with an "alg" member.
bool IsJwt(std::string_view token);
// North American number: area code and exchange both start with 2-9. Takes the 10 digits.
bool IsNanpNumber(std::string_view ten_digits);

}  // namespace octo::safety
