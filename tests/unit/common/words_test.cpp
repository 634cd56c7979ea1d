#include "octo/common/words.h"

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::common {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

TEST(Words, SplitsOnAnythingButLettersAndDigits) {
  EXPECT_THAT(Words("Find the 3 latest, news-items!"),
              ElementsAre("find", "the", "3", "latest", "news", "items"));
  EXPECT_THAT(Words(""), IsEmpty());
  EXPECT_THAT(Words(" -- ... "), IsEmpty());
}

TEST(Words, KeepsInnerApostrophes) {
  EXPECT_THAT(Words("Don't stop: it’s 'quoted'"),
              ElementsAre("don't", "stop", "it’s", "quoted"));
}

TEST(Words, LowerCasesAsciiOnly) {
  EXPECT_THAT(Words("Straße ÄRGER Tokyo 東京"), ElementsAre("straße", "Ärger", "tokyo", "東京"));
}

}  // namespace
}  // namespace octo::common
