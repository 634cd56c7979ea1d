#include "octo/safety/validators.h"

#include <gtest/gtest.h>

#include <string_view>
#include <utility>
#include <vector>

namespace octo::safety {
namespace {

// A validator and texts it must accept (true) or reject (false).
struct ValidatorCases {
  const char* name;
  bool (*valid)(std::string_view);
  std::vector<std::pair<const char*, bool>> texts;
};

const ValidatorCases kValidatorCases[] = {
    {"LuhnValid",
     LuhnValid,
     {
         // Accepts valid numbers, with space or dash separators.
         {"4526018159083012", true},
         {"4526 0181 5908 3012", true},
         {"4526-0181-5908-3012", true},
         {"4526018159083013", false},
         {"4526.0181.5908.3012", false},
         {"", false},
     }},
    {"IsPaymentCard",
     IsPaymentCard,
     {
         // Knows the brands.
         {"4526018159083012", true},   // Visa 16
         {"4661318609133", true},      // Visa 13
         {"2221909960308246", true},   // Mastercard 2-series
         {"5362819482199357", true},   // Mastercard 5x
         {"371819093786576", true},    // Amex
         {"3718 190937 86576", true},  // Amex grouping
         {"6597543231948758", true},   // Discover 65
         // Rejects Luhn failures and other prefixes.
         {"4111111111111112", false},  // Luhn fails
         {"1234567812345670", false},  // Luhn-valid, no such brand
         {"3718190937865761", false},  // Amex prefix, 16 digits
     }},
    {"IsUsSsn",
     IsUsSsn,
     {
         // Applies the issuance rules.
         {"123-45-6789", true},
         {"899-01-0001", true},
         {"000-45-6789", false},
         {"666-45-6789", false},
         {"900-45-6789", false},
         {"987-45-6789", false},
         {"123-00-6789", false},
         {"123-45-0000", false},
         // Spaces, dots, en dashes or nothing, the same after area and group.
         {"123456789", true},
         {"123 45 6789", true},
         {"123.45.6789", true},
         {"123\xE2\x80\x93" "45\xE2\x80\x93" "6789", true},
         {"123 45-6789", false},
         {"123/45/6789", false},
         {"12345678", false},
         {"123-45-67890", false},
         {"123 456 789", false},
     }},
    {"IsIban",
     IsIban,
     {
         // Checks mod 97 and the country's length.
         {"BE68539007547034", true},
         {"BE68 5390 0754 7034", true},
         {"CH4704830000000012345", true},
         {"IT60X0542811101000000123456", true},
         {"NO9386011117947", true},
         {"BE69539007547034", false},     // check digits wrong
         {"BE6853900754703", false},      // too short for BE
         {"ZZ68539007547034", false},     // unknown country
         {"BE68 539 00754 7034", false},  // spaces off the 4-grid
         {"be68539007547034", false},     // lowercase
     }},
    {"IsIpv4",
     IsIpv4,
     {
         // Four decimal octets.
         {"192.0.2.1", true},
         {"0.0.0.0", true},
         {"255.255.255.255", true},
         {"256.1.1.1", false},
         {"1.2.3", false},
         {"1.2.3.4.5", false},
         {"01.2.3.4", false},
         {"7.922.1.88", false},
     }},
    {"IsIpv6",
     IsIpv6,
     {
         // The IPv6 forms.
         {"2001:db8::1", true},
         {"fe80::573d:ab5:48a5:7457", true},
         {"2001:0db8:709c:0000:0000:3a6b:40dc:3d65", true},
         {"::1", true},
         {"::ffff:192.0.2.128", true},
         {"2001:db8:::1", false},
         {"12:34:56", false},
         {"0C:38:75:49:AC:F7", false},
     }},
    {"IsMacAddress",
     IsMacAddress,
     {
         // Separators must agree.
         {"0C:38:75:49:AC:F7", true},
         {"a4-5e-60-e8-1f-9c", true},
         {"0000.0c9f.f02a", true},
         {"0C:38-75:49:AC:F7", false},
         {"0C:38:75:49:AC", false},
         {"GC:38:75:49:AC:F7", false},
     }},
    {"IsBitcoinBase58",
     IsBitcoinBase58,
     {
         // Base58Check.
         {"1HzqbX2WZcdddxQat1o2Xqt1uTRApjkBgE", true},
         {"3KX2V8BvP6d4jgEHvwNq428VDbXKXM2htZ", true},
         {"1HzqbX2WZcdddxQat1o2Xqt1uTRApjkBgF", false},  // checksum
         {"3HzqbX2WZcdddxQat1o2Xqt1uTRApjkBgE", false},  // version mismatch
         {"1HzqbX2WZcdddxQat1o2Xqt1uTRApjkBg0", false},  // '0' not base58
     }},
    {"IsBitcoinBech32",
     IsBitcoinBech32,
     {
         // Bech32 and Bech32m.
         {"bc1q0xe25yq0hwe5lfvnl6hdyujgka3w826crgzlmk", true},
         {"bc1qqhc8vk3tnswhurehc3yjr0flv4jw4hmlzs48ye5vgl3z85twmkxq3dd9jj", true},
         {"bc1pg76x4lzm4m3xrafmyc2j6f3m4qasxlx5jchyxjqpy44csh5ujpgs3583fr", true},
         {"BC1Q0XE25YQ0HWE5LFVNL6HDYUJGKA3W826CRGZLMK", true},
         {"bc1q0xe25yq0hwe5lfvnl6hdyujgka3w826crgzlmj", false},  // checksum
         {"bc1Q0xe25yq0hwe5lfvnl6hdyujgka3w826crgzlmk", false},  // mixed case
         {"tb1q0xe25yq0hwe5lfvnl6hdyujgka3w826crgzlmk", false},  // not mainnet
     }},
    {"IsEthereumAddress",
     IsEthereumAddress,
     {
         // Ethereum.
         {"0xa052bff62e4c0539e7bd49945ba232cd5ab0a557", true},
         {"0xa052bff62e4c0539e7bd49945ba232cd5ab0a55", false},
         {"0xg052bff62e4c0539e7bd49945ba232cd5ab0a557", false},
     }},
    {"IsEmailAddress",
     IsEmailAddress,
     {
         // Needs a dotted domain with a TLD.
         {"first.last+tag@sub.example.org", true},
         {"a_b@example.co.uk", true},
         {"user@localhost", false},
         {"build@ci-runner-3", false},
         {"icon@2x.png", false},
         {"a..b@example.com", false},
         {"a@-example.com", false},
         {"a@example.c0m", false},
     }},
    {"IsJwt",
     IsJwt,
     {
         // Three parts with a JSON header.
         {"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsIm5hbWUiOiJ4In0."
          "8yCw24PznqetvQ105t7H89-uzI9kZWZkGnuiZg8wEfw",
          true},
         {"eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsIm5hbWUiOiJ4In0.", false},
         {"eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiI0MiJ9.c2ln", false},  // header without "alg"
         {"abc.def.ghi", false},
     }},
    {"IsNanpNumber",
     IsNanpNumber,
     {
         // Area code and exchange start with 2 to 9.
         {"4155550143", true},
         {"1555550143", false},
         {"4151550143", false},
         {"415555014", false},
     }},
};

TEST(Validators, AcceptAndRejectTheirCases) {
  for (const ValidatorCases& validator : kValidatorCases) {
    for (const auto& [text, valid] : validator.texts) {
      EXPECT_EQ(validator.valid(text), valid) << validator.name << "(\"" << text << "\")";
    }
  }
}

}  // namespace
}  // namespace octo::safety
