#include "octo/safety/validators.h"

#include <gtest/gtest.h>

namespace octo::safety {
namespace {

TEST(Luhn, AcceptsValidAndSeparators) {
  EXPECT_TRUE(LuhnValid("4526018159083012"));
  EXPECT_TRUE(LuhnValid("4526 0181 5908 3012"));
  EXPECT_TRUE(LuhnValid("4526-0181-5908-3012"));
  EXPECT_FALSE(LuhnValid("4526018159083013"));
  EXPECT_FALSE(LuhnValid("4526.0181.5908.3012"));
  EXPECT_FALSE(LuhnValid(""));
}

TEST(PaymentCard, KnowsTheBrands) {
  EXPECT_TRUE(IsPaymentCard("4526018159083012"));   // Visa 16
  EXPECT_TRUE(IsPaymentCard("4661318609133"));      // Visa 13
  EXPECT_TRUE(IsPaymentCard("2221909960308246"));   // Mastercard 2-series
  EXPECT_TRUE(IsPaymentCard("5362819482199357"));   // Mastercard 5x
  EXPECT_TRUE(IsPaymentCard("371819093786576"));    // Amex
  EXPECT_TRUE(IsPaymentCard("3718 190937 86576"));  // Amex grouping
  EXPECT_TRUE(IsPaymentCard("6597543231948758"));   // Discover 65
}

TEST(PaymentCard, RejectsLuhnFailuresAndOtherPrefixes) {
  EXPECT_FALSE(IsPaymentCard("4111111111111112"));  // Luhn fails
  EXPECT_FALSE(IsPaymentCard("1234567812345670"));  // Luhn-valid, no such brand
  EXPECT_FALSE(IsPaymentCard("3718190937865761"));  // Amex prefix, 16 digits
}

TEST(UsSsn, AppliesIssuanceRules) {
  EXPECT_TRUE(IsUsSsn("123-45-6789"));
  EXPECT_TRUE(IsUsSsn("899-01-0001"));
  EXPECT_FALSE(IsUsSsn("000-45-6789"));
  EXPECT_FALSE(IsUsSsn("666-45-6789"));
  EXPECT_FALSE(IsUsSsn("900-45-6789"));
  EXPECT_FALSE(IsUsSsn("987-45-6789"));
  EXPECT_FALSE(IsUsSsn("123-00-6789"));
  EXPECT_FALSE(IsUsSsn("123-45-0000"));
  EXPECT_FALSE(IsUsSsn("123456789"));
}

TEST(Iban, ChecksMod97AndCountryLength) {
  EXPECT_TRUE(IsIban("BE68539007547034"));
  EXPECT_TRUE(IsIban("BE68 5390 0754 7034"));
  EXPECT_TRUE(IsIban("CH4704830000000012345"));
  EXPECT_TRUE(IsIban("IT60X0542811101000000123456"));
  EXPECT_TRUE(IsIban("NO9386011117947"));
  EXPECT_FALSE(IsIban("BE69539007547034"));     // check digits wrong
  EXPECT_FALSE(IsIban("BE6853900754703"));      // too short for BE
  EXPECT_FALSE(IsIban("ZZ68539007547034"));     // unknown country
  EXPECT_FALSE(IsIban("BE68 539 00754 7034"));  // spaces off the 4-grid
  EXPECT_FALSE(IsIban("be68539007547034"));     // lowercase
}

TEST(Ip, Ipv4Octets) {
  EXPECT_TRUE(IsIpv4("192.0.2.1"));
  EXPECT_TRUE(IsIpv4("0.0.0.0"));
  EXPECT_TRUE(IsIpv4("255.255.255.255"));
  EXPECT_FALSE(IsIpv4("256.1.1.1"));
  EXPECT_FALSE(IsIpv4("1.2.3"));
  EXPECT_FALSE(IsIpv4("1.2.3.4.5"));
  EXPECT_FALSE(IsIpv4("01.2.3.4"));
  EXPECT_FALSE(IsIpv4("7.922.1.88"));
}

TEST(Ip, Ipv6Forms) {
  EXPECT_TRUE(IsIpv6("2001:db8::1"));
  EXPECT_TRUE(IsIpv6("fe80::573d:ab5:48a5:7457"));
  EXPECT_TRUE(IsIpv6("2001:0db8:709c:0000:0000:3a6b:40dc:3d65"));
  EXPECT_TRUE(IsIpv6("::1"));
  EXPECT_TRUE(IsIpv6("::ffff:192.0.2.128"));
  EXPECT_FALSE(IsIpv6("2001:db8:::1"));
  EXPECT_FALSE(IsIpv6("12:34:56"));
  EXPECT_FALSE(IsIpv6("0C:38:75:49:AC:F7"));
}

TEST(Mac, SeparatorsMustAgree) {
  EXPECT_TRUE(IsMacAddress("0C:38:75:49:AC:F7"));
  EXPECT_TRUE(IsMacAddress("a4-5e-60-e8-1f-9c"));
  EXPECT_TRUE(IsMacAddress("0000.0c9f.f02a"));
  EXPECT_FALSE(IsMacAddress("0C:38-75:49:AC:F7"));
  EXPECT_FALSE(IsMacAddress("0C:38:75:49:AC"));
  EXPECT_FALSE(IsMacAddress("GC:38:75:49:AC:F7"));
}

TEST(Crypto, Base58Check) {
  EXPECT_TRUE(IsBitcoinBase58("1HzqbX2WZcdddxQat1o2Xqt1uTRApjkBgE"));
  EXPECT_TRUE(IsBitcoinBase58("3KX2V8BvP6d4jgEHvwNq428VDbXKXM2htZ"));
  EXPECT_FALSE(IsBitcoinBase58("1HzqbX2WZcdddxQat1o2Xqt1uTRApjkBgF"));  // checksum
  EXPECT_FALSE(IsBitcoinBase58("3HzqbX2WZcdddxQat1o2Xqt1uTRApjkBgE"));  // version mismatch
  EXPECT_FALSE(IsBitcoinBase58("1HzqbX2WZcdddxQat1o2Xqt1uTRApjkBg0"));  // '0' not base58
}

TEST(Crypto, Bech32AndBech32m) {
  EXPECT_TRUE(IsBitcoinBech32("bc1q0xe25yq0hwe5lfvnl6hdyujgka3w826crgzlmk"));
  EXPECT_TRUE(IsBitcoinBech32("bc1qqhc8vk3tnswhurehc3yjr0flv4jw4hmlzs48ye5vgl3z85twmkxq3dd9jj"));
  EXPECT_TRUE(IsBitcoinBech32("bc1pg76x4lzm4m3xrafmyc2j6f3m4qasxlx5jchyxjqpy44csh5ujpgs3583fr"));
  EXPECT_TRUE(IsBitcoinBech32("BC1Q0XE25YQ0HWE5LFVNL6HDYUJGKA3W826CRGZLMK"));
  EXPECT_FALSE(IsBitcoinBech32("bc1q0xe25yq0hwe5lfvnl6hdyujgka3w826crgzlmj"));  // checksum
  EXPECT_FALSE(IsBitcoinBech32("bc1Q0xe25yq0hwe5lfvnl6hdyujgka3w826crgzlmk"));  // mixed case
  EXPECT_FALSE(IsBitcoinBech32("tb1q0xe25yq0hwe5lfvnl6hdyujgka3w826crgzlmk"));  // not mainnet
}

TEST(Crypto, Ethereum) {
  EXPECT_TRUE(IsEthereumAddress("0xa052bff62e4c0539e7bd49945ba232cd5ab0a557"));
  EXPECT_FALSE(IsEthereumAddress("0xa052bff62e4c0539e7bd49945ba232cd5ab0a55"));
  EXPECT_FALSE(IsEthereumAddress("0xg052bff62e4c0539e7bd49945ba232cd5ab0a557"));
}

TEST(Email, NeedsDottedDomainWithTld) {
  EXPECT_TRUE(IsEmailAddress("first.last+tag@sub.example.org"));
  EXPECT_TRUE(IsEmailAddress("a_b@example.co.uk"));
  EXPECT_FALSE(IsEmailAddress("user@localhost"));
  EXPECT_FALSE(IsEmailAddress("build@ci-runner-3"));
  EXPECT_FALSE(IsEmailAddress("icon@2x.png"));
  EXPECT_FALSE(IsEmailAddress("a..b@example.com"));
  EXPECT_FALSE(IsEmailAddress("a@-example.com"));
  EXPECT_FALSE(IsEmailAddress("a@example.c0m"));
}

TEST(Jwt, ThreePartsWithJsonHeader) {
  EXPECT_TRUE(
      IsJwt("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsIm5hbWUiOiJ4In0."
            "8yCw24PznqetvQ105t7H89-uzI9kZWZkGnuiZg8wEfw"));
  EXPECT_FALSE(IsJwt("eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsIm5hbWUiOiJ4In0."));
  EXPECT_FALSE(IsJwt("eyJ0eXAiOiJKV1QifQ.eyJzdWIiOiI0MiJ9.c2ln"));  // header without "alg"
  EXPECT_FALSE(IsJwt("abc.def.ghi"));
}

TEST(Nanp, AreaCodeAndExchangeStartWith2To9) {
  EXPECT_TRUE(IsNanpNumber("4155550143"));
  EXPECT_FALSE(IsNanpNumber("1555550143"));
  EXPECT_FALSE(IsNanpNumber("4151550143"));
  EXPECT_FALSE(IsNanpNumber("415555014"));
}

}  // namespace
}  // namespace octo::safety
