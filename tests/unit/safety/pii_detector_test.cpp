#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "octo/safety/pii.h"

namespace octo::safety {
namespace {

struct Span {
  std::string type;
  std::string value;
  friend bool operator==(const Span&, const Span&) = default;
  friend void PrintTo(const Span& s, std::ostream* os) { *os << s.type << "='" << s.value << "'"; }
};

class PiiDetectorTest : public ::testing::Test {
 protected:
  std::vector<Span> Find(const std::string& text) const {
    std::vector<Span> out;
    for (const PiiFinding& f : detector_.Scan(text)) {
      out.push_back({std::string(PiiTypeName(f.type)), text.substr(f.start, f.end - f.start)});
    }
    return out;
  }
  static const PiiDetector detector_;
};
const PiiDetector PiiDetectorTest::detector_;

using ::testing::IsEmpty;

constexpr char kJwt[] =
    "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiI0MiIsIm5hbWUiOiJ4In0."
    "8yCw24PznqetvQ105t7H89-uzI9kZWZkGnuiZg8wEfw";
constexpr char kPemPrivateKey[] =
    "-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oCs2ODJ7\n"
    "-----END EC PRIVATE KEY-----";

// A text and the values of every span of one PII type the detector must find in it, in order
// (none for a decoy of that type).
struct FindCase {
  const char* type;  // the PiiTypeName; names the test
  std::string text;
  std::vector<std::string> values;
};

// One case to a row, however long its text.
// clang-format off
const FindCase kFindCases[] = {
    {"EMAIL", "Write to <first.last+news@sub.example.org>, mailto:ops@example.io.",
     {"first.last+news@sub.example.org", "ops@example.io"}},
    {"EMAIL", "cron mails root@localhost, admin@intranet and build@ci-runner-3", {}},
    {"EMAIL", "retina assets icon@2x.png", {}},
    {"PHONE", "Call (415) 555-0143, 415.555.0143 or +1 206 555 0172 today",
     {"(415) 555-0143", "415.555.0143", "+1 206 555 0172"}},
    {"PHONE", "London +44 20 7946 0958, Berlin +4915123456789.",
     {"+44 20 7946 0958", "+4915123456789"}},
    {"PHONE", "What is 555-1212 = x? Epoch 1667869373, ISBN 978-3-573-31148-3.", {}},
    // The NANP trunk "1", bare digits after a phone word, national and "00" numbers.
    {"PHONE", "dial 1-312-555-0187 or 1 (312) 555 0187; mobile: 3125550187",
     {"1-312-555-0187", "1 (312) 555 0187", "3125550187"}},
    {"PHONE", "Telefon 089 12345678, tél. 04 91 23 45 67, from abroad fax 0049 89 12345678",
     {"089 12345678", "04 91 23 45 67", "0049 89 12345678"}},
    {"PHONE", "job 3125550187 failed; order 089 12345678 shipped; call me on 01.02.2025", {}},
    {"CREDIT_CARD", "card 4526 0181 5908 3012 or 3718-190937-86576, ref 5362819482199357",
     {"4526 0181 5908 3012", "3718-190937-86576", "5362819482199357"}},
    {"CREDIT_CARD", "Luhn fails: 4111 1111 1111 1112; barcode 4192122017878061", {}},
    {"US_SSN", "ssn=123-45-6789;", {"123-45-6789"}},
    {"US_SSN", "placeholders 000-12-3456, 666-12-3456, 912-12-3456, 123-00-4567", {}},
    // Spaces, dots, en dashes or bare digits, named by an SSN word before them.
    {"US_SSN", "SSN 287 65 4321; Social Security No. 287.65.4321; soc. sec. #287654321; "
               "ss# 287\u201365\u20134321",
     {"287 65 4321", "287.65.4321", "287654321", "287\u201365\u20134321"}},
    {"US_SSN", "part 287 65 4321, lot 287.65.4321, zip+ 287654321, social security 287 65-4321",
     {}},
    {"IP_ADDRESS", "http://10.1.2.3:8080/ and [2001:db8::1]:443 and fe80::1ff:fe23:4567:890a.",
     {"10.1.2.3", "2001:db8::1", "fe80::1ff:fe23:4567:890a"}},
    {"IP_ADDRESS", "build 7.922.1.88, version 2.10.3, 16:9 at 18:45:00, std::vector, A::B", {}},
    // IBANs with and without spaces.
    {"IBAN", "IBAN BE68 5390 0754 7034, or IT60X0542811101000000123456.",
     {"BE68 5390 0754 7034", "IT60X0542811101000000123456"}},
    {"IBAN", "IBAN check failed for BE69539007547034", {}},
    {"MAC_ADDRESS", "mac=a4:5e:60:e8:1f:9c gw=0C-38-75-49-AC-F7 cisco 0000.0c9f.f02a",
     {"a4:5e:60:e8:1f:9c", "0C-38-75-49-AC-F7", "0000.0c9f.f02a"}},
    {"CRYPTO_ADDRESS",
     "pay 1HzqbX2WZcdddxQat1o2Xqt1uTRApjkBgE or bc1q0xe25yq0hwe5lfvnl6hdyujgka3w826crgzlmk or "
     "0xa052bff62e4c0539e7bd49945ba232cd5ab0a557",
     {"1HzqbX2WZcdddxQat1o2Xqt1uTRApjkBgE", "bc1q0xe25yq0hwe5lfvnl6hdyujgka3w826crgzlmk",
      "0xa052bff62e4c0539e7bd49945ba232cd5ab0a557"}},
    {"CRYPTO_ADDRESS",
     "tx 0xb5f781d363efcce2d877b7640fd53a7bcd8c40631b14832757ec40b1cc85fe95, "
     "commit b10125676938ee01af7178e3c50a99127844d235, mask 0x4E",
     {}},
    {"SECRET", std::string("Authorization: Bearer ") + kJwt + ".", {kJwt}},
    {"SECRET", "AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", {"AKIAIOSFODNN7EXAMPLE"}},
    {"SECRET", "token ghp_16C7e42F292c6912E7710c838347Ae178B4a,",
     {"ghp_16C7e42F292c6912E7710c838347Ae178B4a"}},
    {"SECRET", "key=\"sk-proj-Ab3dEf9hIjK1mNoPqR2sTuV4wXyZ\"",
     {"sk-proj-Ab3dEf9hIjK1mNoPqR2sTuV4wXyZ"}},
    {"SECRET", "slack xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx",
     {"xoxb-123456789012-1234567890123-AbCdEfGhIjKlMnOpQrStUvWx"}},
    {"SECRET", "sk-learn is a library; tokens start with ghp_, AKIA or xoxb- prefixes", {}},
    // PEM private keys, but not public keys.
    {"SECRET", std::string("here:\n") + kPemPrivateKey + "\nthanks", {kPemPrivateKey}},
    {"SECRET", "-----BEGIN PUBLIC KEY-----\nMIIBIjANBgkqhkiG9w0BAQEFAAOC\n-----END PUBLIC KEY-----",
     {}},
};
// clang-format on

class PiiFindTest : public PiiDetectorTest, public ::testing::WithParamInterface<FindCase> {};

// The detector finds exactly the case's spans, all of the case's type, in order.
TEST_P(PiiFindTest, FindsExactlyTheSpans) {
  std::vector<Span> expected;
  for (const std::string& value : GetParam().values) expected.push_back({GetParam().type, value});
  EXPECT_THAT(Find(GetParam().text), ::testing::ElementsAreArray(expected));
}

INSTANTIATE_TEST_SUITE_P(Texts, PiiFindTest, ::testing::ValuesIn(kFindCases),
                         [](const ::testing::TestParamInfo<FindCase>& info) {
                           return std::string(info.param.type) + "_" + std::to_string(info.index);
                         });

TEST_F(PiiDetectorTest, NonAsciiPrefixUsesByteOffsets) {
  const std::string text = "Grüße — こんにちは 123-45-6789";
  auto findings = detector_.Scan(text);
  ASSERT_EQ(findings.size(), 1u);
  EXPECT_EQ(findings[0].start, text.find("123"));
  EXPECT_EQ(findings[0].end, text.size());
}

TEST_F(PiiDetectorTest, FindingsAreSortedAndDisjoint) {
  const std::string text =
      "Account review: a@example.com, (503) 555-0137, card 371819093786576, last login from "
      "2001:db8::5, mac 00:1a:2b:3c:4d:5e, ssn 123-45-6789, iban BE68539007547034";
  auto findings = detector_.Scan(text);
  EXPECT_EQ(findings.size(), 7u);
  for (size_t i = 1; i < findings.size(); ++i) {
    EXPECT_LE(findings[i - 1].end, findings[i].start);
  }
}

TEST_F(PiiDetectorTest, ConcurrentScansAgree) {
  const std::string text = "mail a@example.com or call +44 20 7946 0958, card 4526018159083012";
  const auto expected = detector_.Scan(text);
  std::vector<std::thread> threads;
  std::vector<int> mismatches(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 200; ++i) mismatches[t] += detector_.Scan(text) != expected;
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_THAT(mismatches, ::testing::Each(0));
}

TEST_F(PiiDetectorTest, EmptyAndBinaryInput) {
  EXPECT_THAT(Find(""), IsEmpty());
  EXPECT_NO_FATAL_FAILURE(Find(std::string("\0\xff\xfe@\x80::", 8)));
}

}  // namespace
}  // namespace octo::safety
