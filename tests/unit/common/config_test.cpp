#include "octo/common/config.h"

#include <stdlib.h>

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::common {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

struct TestConfig {
  std::string name = "anonymous";
  std::string empty;
  int count = 3;
  double ratio = 0.5;
  bool verbose = false;
  absl::Duration timeout = absl::Seconds(5);
};

constexpr const char* kEnvNames[] = {"OCTO_TEST_NAME",  "OCTO_TEST_EMPTY",   "OCTO_TEST_COUNT",
                                     "OCTO_TEST_RATIO", "OCTO_TEST_VERBOSE", "OCTO_TEST_TIMEOUT"};

class ConfigBinderTest : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : kEnvNames) unsetenv(name);
    binder_.Bind("name", "OCTO_TEST_NAME", &config_.name, "who to greet");
    binder_.Bind("empty", "OCTO_TEST_EMPTY", &config_.empty, "left empty");
    binder_.Bind("count", "OCTO_TEST_COUNT", &config_.count, "how many");
    binder_.Bind("ratio", "OCTO_TEST_RATIO", &config_.ratio, "a fraction");
    binder_.Bind("verbose", "OCTO_TEST_VERBOSE", &config_.verbose, "talk more");
    binder_.Bind("timeout", "OCTO_TEST_TIMEOUT", &config_.timeout, "how long");
  }
  void TearDown() override {
    for (const char* name : kEnvNames) unsetenv(name);
  }

  absl::Status Parse(std::vector<const char*> args) {
    args.insert(args.begin(), "octo-test");
    return binder_.Parse(static_cast<int>(args.size()), args.data());
  }

  TestConfig config_;
  ConfigBinder binder_{"octo-test", "A program for tests."};
};

TEST_F(ConfigBinderTest, KeepsDefaultsWhenNothingIsGiven) {
  ASSERT_TRUE(Parse({}).ok());
  EXPECT_EQ(config_.name, "anonymous");
  EXPECT_EQ(config_.count, 3);
  EXPECT_EQ(config_.ratio, 0.5);
  EXPECT_FALSE(config_.verbose);
  EXPECT_EQ(config_.timeout, absl::Seconds(5));
  EXPECT_THAT(binder_.positional(), IsEmpty());
}

TEST_F(ConfigBinderTest, FlagsWithEqualsSetEveryType) {
  absl::Status status =
      Parse({"--name=alice", "--count=-7", "--ratio=0.25", "--verbose=true", "--timeout=250ms"});
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(config_.name, "alice");
  EXPECT_EQ(config_.count, -7);
  EXPECT_EQ(config_.ratio, 0.25);
  EXPECT_TRUE(config_.verbose);
  EXPECT_EQ(config_.timeout, absl::Milliseconds(250));
}

TEST_F(ConfigBinderTest, FlagsWithSeparateValueSetEveryType) {
  absl::Status status =
      Parse({"--name", "bob", "--count", "12", "--ratio", "2", "--timeout", "1m"});
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(config_.name, "bob");
  EXPECT_EQ(config_.count, 12);
  EXPECT_EQ(config_.ratio, 2.0);
  EXPECT_EQ(config_.timeout, absl::Minutes(1));
  EXPECT_THAT(binder_.positional(), IsEmpty());
}

TEST_F(ConfigBinderTest, ValueAfterEqualsMayContainEquals) {
  ASSERT_TRUE(Parse({"--name=a=b"}).ok());
  EXPECT_EQ(config_.name, "a=b");
}

TEST_F(ConfigBinderTest, EmptyValueAfterEqualsSetsAnEmptyString) {
  ASSERT_TRUE(Parse({"--name="}).ok());
  EXPECT_EQ(config_.name, "");
}

TEST_F(ConfigBinderTest, BareBoolFlagMeansTrue) {
  ASSERT_TRUE(Parse({"--verbose"}).ok());
  EXPECT_TRUE(config_.verbose);
}

TEST_F(ConfigBinderTest, BareBoolFlagDoesNotConsumeTheNextArgument) {
  ASSERT_TRUE(Parse({"--verbose", "input.txt"}).ok());
  EXPECT_TRUE(config_.verbose);
  EXPECT_THAT(binder_.positional(), ElementsAre("input.txt"));
}

TEST_F(ConfigBinderTest, BoolAcceptsEverySpelling) {
  for (const char* yes : {"true", "1", "yes", "TRUE", "Yes"}) {
    config_.verbose = false;
    ASSERT_TRUE(Parse({(std::string("--verbose=") + yes).c_str()}).ok()) << yes;
    EXPECT_TRUE(config_.verbose) << yes;
  }
  for (const char* no : {"false", "0", "no", "FALSE", "No"}) {
    config_.verbose = true;
    ASSERT_TRUE(Parse({(std::string("--verbose=") + no).c_str()}).ok()) << no;
    EXPECT_FALSE(config_.verbose) << no;
  }
}

TEST_F(ConfigBinderTest, EnvironmentVariableIsUsedWithoutAFlag) {
  setenv("OCTO_TEST_NAME", "carol", 1);
  setenv("OCTO_TEST_COUNT", "42", 1);
  setenv("OCTO_TEST_VERBOSE", "yes", 1);
  setenv("OCTO_TEST_TIMEOUT", "2s", 1);
  setenv("OCTO_TEST_RATIO", "0.125", 1);
  ASSERT_TRUE(Parse({}).ok());
  EXPECT_EQ(config_.name, "carol");
  EXPECT_EQ(config_.count, 42);
  EXPECT_TRUE(config_.verbose);
  EXPECT_EQ(config_.timeout, absl::Seconds(2));
  EXPECT_EQ(config_.ratio, 0.125);
}

TEST_F(ConfigBinderTest, FlagBeatsEnvironmentVariable) {
  setenv("OCTO_TEST_COUNT", "42", 1);
  setenv("OCTO_TEST_NAME", "from-env", 1);
  ASSERT_TRUE(Parse({"--count=7", "--name", "from-flag"}).ok());
  EXPECT_EQ(config_.count, 7);
  EXPECT_EQ(config_.name, "from-flag");
}

// Input the binder must refuse as INVALID_ARGUMENT, with the message naming what was wrong.
struct BadInput {
  const char* name;  // names the test
  std::vector<const char*> args;
  const char* variable;  // set to `value` before parsing, unless null
  const char* value;
  std::vector<const char*> named;  // each must appear in the message
};

const BadInput kBadInputs[] = {
    {"MalformedIntegerFlag", {"--count=12abc"}, nullptr, nullptr, {"--count", "12abc"}},
    {"IntegerOutOfRange", {"--count=99999999999"}, nullptr, nullptr, {}},
    {"MalformedIntegerVariable", {}, "OCTO_TEST_COUNT", "many", {"OCTO_TEST_COUNT"}},
    {"MalformedBoolFlag", {"--verbose=maybe"}, nullptr, nullptr, {"--verbose"}},
    {"MalformedBoolVariable", {}, "OCTO_TEST_VERBOSE", "sure", {"OCTO_TEST_VERBOSE"}},
    {"MalformedDurationFlag", {"--timeout", "5 seconds"}, nullptr, nullptr, {"--timeout"}},
    {"DurationWithoutUnit", {"--timeout=5"}, nullptr, nullptr, {}},
    {"MalformedDurationVariable", {}, "OCTO_TEST_TIMEOUT", "soon", {"OCTO_TEST_TIMEOUT"}},
    {"MalformedNumberFlag", {"--ratio=half"}, nullptr, nullptr, {"--ratio"}},
    {"UnknownFlag", {"--colour=blue"}, nullptr, nullptr, {"--colour"}},
    {"FlagWithoutItsValue", {"--count"}, nullptr, nullptr, {"--count"}},
};

class ConfigBinderBadInputTest : public ConfigBinderTest,
                                 public ::testing::WithParamInterface<BadInput> {};

TEST_P(ConfigBinderBadInputTest, IsInvalidArgumentNamingTheCulprit) {
  const BadInput& input = GetParam();
  if (input.variable != nullptr) setenv(input.variable, input.value, 1);
  absl::Status status = Parse(input.args);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << status;
  for (const char* named : input.named) EXPECT_THAT(status.message(), HasSubstr(named));
}

INSTANTIATE_TEST_SUITE_P(Inputs, ConfigBinderBadInputTest, ::testing::ValuesIn(kBadInputs),
                         [](const ::testing::TestParamInfo<BadInput>& info) {
                           return std::string(info.param.name);
                         });

TEST_F(ConfigBinderTest, NonFlagArgumentsArePositional) {
  ASSERT_TRUE(Parse({"first", "--count=2", "second", "-x"}).ok());
  EXPECT_EQ(config_.count, 2);
  EXPECT_THAT(binder_.positional(), ElementsAre("first", "second", "-x"));
}

TEST_F(ConfigBinderTest, DoubleDashEndsFlags) {
  ASSERT_TRUE(Parse({"--count=2", "--", "--count=9", "--unknown", "tail"}).ok());
  EXPECT_EQ(config_.count, 2);
  EXPECT_THAT(binder_.positional(), ElementsAre("--count=9", "--unknown", "tail"));
}

TEST_F(ConfigBinderTest, UsageListsFlagsVariablesDefaultsAndHelp) {
  const std::string usage = binder_.Usage();
  EXPECT_THAT(usage, HasSubstr("octo-test"));
  EXPECT_THAT(usage, HasSubstr("A program for tests."));
  for (const char* text : {"--name", "$OCTO_TEST_NAME", "who to greet", "(default: anonymous)",
                           "--count", "$OCTO_TEST_COUNT", "(default: 3)", "--timeout",
                           "$OCTO_TEST_TIMEOUT", "(default: 5s)", "--verbose", "$OCTO_TEST_VERBOSE",
                           "(default: false)", "(default: 0.5)", "(default: \"\")"}) {
    EXPECT_THAT(usage, HasSubstr(text));
  }
}

TEST_F(ConfigBinderTest, UsageKeepsShowingDefaultsAfterParse) {
  ASSERT_TRUE(Parse({"--count=99", "--name=zed"}).ok());
  const std::string usage = binder_.Usage();
  EXPECT_THAT(usage, HasSubstr("(default: 3)"));
  EXPECT_THAT(usage, HasSubstr("(default: anonymous)"));
  EXPECT_THAT(usage, ::testing::Not(HasSubstr("99")));
}

TEST(ConfigBinder, SettingWithoutVariableIsFlagOnly) {
  int value = 1;
  ConfigBinder binder("p", "s");
  binder.Bind("value", "", &value, "flag only");
  const char* argv[] = {"p", "--value=5"};
  ASSERT_TRUE(binder.Parse(2, argv).ok());
  EXPECT_EQ(value, 5);
  EXPECT_THAT(binder.Usage(), ::testing::Not(HasSubstr("$")));
}

TEST(Require, OkWhenTheConditionHolds) { EXPECT_TRUE(Require(true, "port", "bad").ok()); }

TEST(Require, InvalidArgumentNamingTheSettingOtherwise) {
  absl::Status status = Require(false, "max_concurrency", "must be >= 1");
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "max_concurrency: must be >= 1");
}

}  // namespace
}  // namespace octo::common
