#include "octo/safety/redact.h"

#include <gtest/gtest.h>

#include <string>

#include "octo/safety/pii.h"

namespace octo::safety {
namespace {

const std::string kText =
    "Mail jane.doe@example.com, card 4526 0181 5908 3012, ssn 123-45-6789, "
    "key AKIAIOSFODNN7EXAMPLE.";

class RedactTest : public ::testing::TestWithParam<RedactionStrategy> {
 protected:
  static const PiiDetector detector_;
};
const PiiDetector RedactTest::detector_;

TEST_P(RedactTest, NoDetectedSpanSurvives) {
  const auto findings = detector_.Scan(kText);
  ASSERT_EQ(findings.size(), 4u);
  const std::string out = Redact(kText, findings, GetParam());
  for (const auto& f : findings) {
    EXPECT_EQ(out.find(kText.substr(f.start, f.end - f.start)), std::string::npos)
        << PiiTypeName(f.type) << " survived in: " << out;
  }
  EXPECT_EQ(out.find("Mail "), 0u);
  EXPECT_NE(out.find(", ssn "), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(AllStrategies, RedactTest,
                         ::testing::Values(RedactionStrategy::kTypedMask, RedactionStrategy::kHash,
                                           RedactionStrategy::kKeepLast4,
                                           RedactionStrategy::kRemove));

TEST(Redact, TypedMask) {
  const std::string text = "a jane@example.com b";
  const PiiFinding f{PiiType::kEmail, 2, 18, 1};
  EXPECT_EQ(Redact(text, {&f, 1}, RedactionStrategy::kTypedMask), "a [EMAIL] b");
  EXPECT_EQ(Redact(text, {&f, 1}, RedactionStrategy::kRemove), "a  b");
}

TEST(Redact, HashIsStableAndDistinguishesValues) {
  const std::string a = "x 123-45-6789", b = "x 123-45-6788";
  const PiiFinding f{PiiType::kUsSsn, 2, 13, 1};
  const std::string ra = Redact(a, {&f, 1}, RedactionStrategy::kHash);
  EXPECT_EQ(ra, Redact(a, {&f, 1}, RedactionStrategy::kHash));
  EXPECT_NE(ra, Redact(b, {&f, 1}, RedactionStrategy::kHash));
  EXPECT_EQ(ra.rfind("x [US_SSN:", 0), 0u);
  EXPECT_EQ(ra.size(), std::string("x [US_SSN:12345678]").size());
}

TEST(Redact, HashIsTheStartOfTheValuesSha256) {
  const std::string text = "a jane@example.com b";
  const PiiFinding f{PiiType::kEmail, 2, 18, 1};
  // sha256("jane@example.com") starts 8c87b489.
  EXPECT_EQ(Redact(text, {&f, 1}, RedactionStrategy::kHash), "a [EMAIL:8c87b489] b");
}

TEST(Redact, KeepLast4KeepsPunctuation) {
  const std::string text = "card 4526-0181-5908-3012!";
  const PiiFinding f{PiiType::kCreditCard, 5, 24, 1};
  EXPECT_EQ(Redact(text, {&f, 1}, RedactionStrategy::kKeepLast4), "card ****-****-****-3012!");
  const PiiFinding secret{PiiType::kSecret, 5, 24, 1};
  EXPECT_EQ(Redact(text, {&secret, 1}, RedactionStrategy::kKeepLast4), "card [SECRET]!");
}

TEST(Redact, UnsortedOverlappingAndOutOfRangeFindings) {
  const std::string text = "0123456789";
  const PiiFinding findings[] = {{PiiType::kPhone, 6, 8, 1},
                                 {PiiType::kEmail, 1, 4, 1},
                                 {PiiType::kEmail, 3, 5, 1},
                                 {PiiType::kSecret, 9, 40, 1}};
  EXPECT_EQ(Redact(text, findings, RedactionStrategy::kTypedMask), "0[EMAIL]5[PHONE]8[SECRET]");
  EXPECT_EQ(Redact(text, {}, RedactionStrategy::kTypedMask), text);
}

TEST(ParseRedactionStrategy, KnowsTheFourNames) {
  RedactionStrategy s;
  EXPECT_TRUE(ParseRedactionStrategy("hash", &s));
  EXPECT_EQ(s, RedactionStrategy::kHash);
  EXPECT_TRUE(ParseRedactionStrategy("typed_mask", &s));
  EXPECT_TRUE(ParseRedactionStrategy("keep_last4", &s));
  EXPECT_TRUE(ParseRedactionStrategy("remove", &s));
  EXPECT_FALSE(ParseRedactionStrategy("shred", &s));
  EXPECT_EQ(s, RedactionStrategy::kRemove);
}

}  // namespace
}  // namespace octo::safety
