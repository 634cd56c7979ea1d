#include "octo/common/log.h"

#include <stdio.h>
#include <unistd.h>

#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "gmock/gmock.h"
#include "google/protobuf/struct.pb.h"
#include "google/protobuf/util/json_util.h"
#include "gtest/gtest.h"

namespace octo::log {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using ::testing::SizeIs;

// Parses one JSON object, failing the test when `text` is not valid JSON.
google::protobuf::Struct ParseObject(const std::string& text) {
  google::protobuf::Struct object;
  auto status = google::protobuf::util::JsonStringToMessage(text, &object);
  EXPECT_TRUE(status.ok()) << status.ToString() << " in: " << text;
  return object;
}

std::string Str(const google::protobuf::Struct& object, const std::string& key) {
  auto it = object.fields().find(key);
  return it == object.fields().end() ? "<absent>" : it->second.string_value();
}

bool Has(const google::protobuf::Struct& object, const std::string& key) {
  return object.fields().contains(key);
}

// The value of `key` on each of `lines`, in order ("<absent>" where a line lacks it).
std::vector<std::string> Column(const std::vector<google::protobuf::Struct>& lines,
                                const std::string& key) {
  std::vector<std::string> values;
  for (const auto& line : lines) values.push_back(Str(line, key));
  return values;
}

// Checks that `line` carries exactly these trace, span and task ids.
void ExpectIds(const google::protobuf::Struct& line, const std::string& trace,
               const std::string& span, const std::string& task) {
  EXPECT_EQ(Str(line, "trace_id"), trace);
  EXPECT_EQ(Str(line, "span_id"), span);
  EXPECT_EQ(Str(line, "task_id"), task);
}

// Checks that `line` carries no trace, span or task id.
void ExpectNoIds(const google::protobuf::Struct& line) {
  EXPECT_FALSE(Has(line, "trace_id"));
  EXPECT_FALSE(Has(line, "span_id"));
  EXPECT_FALSE(Has(line, "task_id"));
}

// Logs one line at each level, lowest first, its message the level's initial.
void LogOneLineAtEachLevel() {
  Debug("d");
  Info("i");
  Warn("w");
  Error("e");
}

// The JSON string literal AppendJsonString makes of `text`, parsed back.
std::string RoundTrip(absl::string_view text) {
  std::string json = "{\"v\":";
  AppendJsonString(&json, text);
  json += "}";
  return Str(ParseObject(json), "v");
}

TEST(AppendJsonString, QuotesPlainText) {
  std::string out;
  AppendJsonString(&out, "hello world");
  EXPECT_EQ(out, "\"hello world\"");
}

TEST(AppendJsonString, AppendsToWhatIsThere) {
  std::string out = "key:";
  AppendJsonString(&out, "v");
  EXPECT_EQ(out, "key:\"v\"");
}

TEST(AppendJsonString, EscapesQuotesAndBackslashes) {
  std::string out;
  AppendJsonString(&out, "say \"hi\" \\ bye");
  EXPECT_EQ(out, "\"say \\\"hi\\\" \\\\ bye\"");
}

TEST(AppendJsonString, EscapesNewlineTabAndCarriageReturn) {
  std::string out;
  AppendJsonString(&out, "a\nb\tc\rd");
  EXPECT_EQ(out, "\"a\\nb\\tc\\rd\"");
}

TEST(AppendJsonString, EscapesOtherControlCharactersAsUnicode) {
  std::string out;
  AppendJsonString(&out, absl::string_view("\x01\x1f\0", 3));
  EXPECT_EQ(absl::AsciiStrToLower(out), "\"\\u0001\\u001f\\u0000\"");
}

TEST(AppendJsonString, KeepsMultiByteCharacters) {
  std::string out;
  AppendJsonString(&out, "caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80");
  EXPECT_EQ(out, "\"caf\xC3\xA9 \xE2\x82\xAC \xF0\x9F\x98\x80\"");
}

TEST(AppendJsonString, ReplacesInvalidUtf8WithReplacementCharacter) {
  std::string out;
  AppendJsonString(&out,
                   "a\xFF"
                   "b\xC0\x80"
                   "c\xED\xA0\x80");
  EXPECT_THAT(out, ::testing::StartsWith("\"a\xEF\xBF\xBD"
                                         "b\xEF\xBF\xBD"));
  EXPECT_THAT(out, Not(HasSubstr("\xFF")));
  EXPECT_THAT(out, Not(HasSubstr("\xC0")));
  EXPECT_THAT(out, Not(HasSubstr("\xED\xA0")));
  EXPECT_EQ(RoundTrip("a\xFF"
                      "b"),
            "a\xEF\xBF\xBD"
            "b");
}

TEST(AppendJsonString, EveryAsciiCharacterRoundTripsThroughAJsonParser) {
  std::string all;
  for (int c = 1; c < 0x80; ++c) all.push_back(static_cast<char>(c));
  EXPECT_EQ(RoundTrip(all), all);
}

// Redirects file descriptor 2 into a temporary file while alive.
class StderrCapture {
 public:
  StderrCapture() {
    file_ = tmpfile();
    saved_ = dup(STDERR_FILENO);
    dup2(fileno(file_), STDERR_FILENO);
  }
  ~StderrCapture() { Stop(); }

  // Restores stderr and returns everything written to it meanwhile.
  std::string Stop() {
    if (saved_ >= 0) {
      fflush(stderr);
      dup2(saved_, STDERR_FILENO);
      close(saved_);
      saved_ = -1;
      rewind(file_);
      char buffer[4096];
      size_t n;
      while ((n = fread(buffer, 1, sizeof(buffer), file_)) > 0) text_.append(buffer, n);
      fclose(file_);
    }
    return text_;
  }

 private:
  FILE* file_ = nullptr;
  int saved_ = -1;
  std::string text_;
};

class LogWriteTest : public ::testing::Test {
 protected:
  void SetUp() override { Init("unit-test", Level::kDebug); }
  void TearDown() override { Init("octo", Level::kInfo); }

  // The lines `write` logs, each parsed; fails the test unless every line is a JSON object.
  template <typename F>
  std::vector<google::protobuf::Struct> Capture(F write) {
    StderrCapture capture;
    write();
    std::string text = capture.Stop();
    EXPECT_TRUE(text.empty() || text.back() == '\n') << text;
    std::vector<google::protobuf::Struct> lines;
    for (absl::string_view line : absl::StrSplit(text, '\n', absl::SkipEmpty())) {
      lines.push_back(ParseObject(std::string(line)));
    }
    return lines;
  }
};

TEST_F(LogWriteTest, WritesOneJsonObjectPerLine) {
  auto lines = Capture([] {
    Info("first");
    Warn("second \"quoted\"\nwith a newline", {{"attempt", "2"}, {"path", "C:\\dir"}});
  });
  ASSERT_THAT(lines, SizeIs(2));
  EXPECT_EQ(Str(lines[0], "message"), "first");
  EXPECT_EQ(Str(lines[0], "level"), "info");
  EXPECT_EQ(Str(lines[0], "service"), "unit-test");
  EXPECT_TRUE(Has(lines[0], "time"));
  EXPECT_EQ(Str(lines[1], "message"), "second \"quoted\"\nwith a newline");
  EXPECT_EQ(Str(lines[1], "level"), "warn");
  EXPECT_EQ(Str(lines[1], "attempt"), "2");
  EXPECT_EQ(Str(lines[1], "path"), "C:\\dir");
}

TEST_F(LogWriteTest, EveryLevelHasItsName) {
  auto lines = Capture(LogOneLineAtEachLevel);
  EXPECT_THAT(Column(lines, "level"), ::testing::ElementsAre("debug", "info", "warn", "error"));
}

TEST_F(LogWriteTest, LinesBelowTheMinimumLevelAreDropped) {
  Init("unit-test", Level::kWarn);
  auto lines = Capture(LogOneLineAtEachLevel);
  EXPECT_THAT(Column(lines, "message"), ::testing::ElementsAre("w", "e"));
}

TEST_F(LogWriteTest, InvalidUtf8InMessagesAndFieldsStillMakesValidJson) {
  auto lines = Capture([] { Info("bad \xFF byte", {{"field", "also \xC0\x80 bad"}}); });
  ASSERT_THAT(lines, SizeIs(1));
  EXPECT_EQ(Str(lines[0], "message"), "bad \xEF\xBF\xBD byte");
}

TEST_F(LogWriteTest, NoTraceFieldsOutsideAScope) {
  auto lines = Capture([] { Info("plain"); });
  ASSERT_THAT(lines, SizeIs(1));
  ExpectNoIds(lines[0]);
}

TEST_F(LogWriteTest, ScopeAddsTraceSpanAndTaskIds) {
  auto lines = Capture([] {
    Scope scope("trace-1", "span-1", "task-1");
    Info("inside");
  });
  ASSERT_THAT(lines, SizeIs(1));
  ExpectIds(lines[0], "trace-1", "span-1", "task-1");
}

TEST_F(LogWriteTest, NestedScopesOverrideAndRestore) {
  auto lines = Capture([] {
    Scope outer("trace-1", "span-1", "task-1");
    {
      Scope inner("trace-2", "span-2");  // no task id: the outer one shows through
      Info("inner");
    }
    Info("outer again");
  });
  ASSERT_THAT(lines, SizeIs(2));
  ExpectIds(lines[0], "trace-2", "span-2", "task-1");
  ExpectIds(lines[1], "trace-1", "span-1", "task-1");
}

TEST_F(LogWriteTest, EndedScopeLeavesNoIdsBehind) {
  auto lines = Capture([] {
    { Scope scope("trace-1", "span-1", "task-1"); }
    Info("after");
  });
  ASSERT_THAT(lines, SizeIs(1));
  ExpectNoIds(lines[0]);
}

TEST_F(LogWriteTest, ScopeIsPerThread) {
  auto lines = Capture([] {
    Scope scope("trace-main", "span-main", "task-main");
    std::thread other([] { Info("other thread"); });
    other.join();
  });
  ASSERT_THAT(lines, SizeIs(1));
  ExpectNoIds(lines[0]);
}

TEST_F(LogWriteTest, ConcurrentWritersNeverInterleaveLines) {
  constexpr int kThreads = 4;
  constexpr int kLines = 200;
  auto lines = Capture([] {
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
      threads.emplace_back([t] {
        Scope scope(absl::StrCat("trace-", t), "span", absl::StrCat("task-", t));
        for (int i = 0; i < kLines; ++i) {
          Info(absl::StrCat("thread ", t, " line ", i), {{"padding", std::string(300, 'p')}});
        }
      });
    }
    for (auto& thread : threads) thread.join();
  });
  ASSERT_THAT(lines, SizeIs(kThreads * kLines));
  for (const auto& line : lines) {
    // Each line's ids belong to the thread named in its message.
    const std::string message = Str(line, "message");
    const std::string thread = message.substr(7, message.find(' ', 7) - 7);
    EXPECT_EQ(Str(line, "trace_id"), "trace-" + thread) << message;
    EXPECT_EQ(Str(line, "task_id"), "task-" + thread) << message;
  }
}

TEST(ParseLevel, KnowsTheFourNames) {
  const std::pair<const char*, Level> kNames[] = {{"debug", Level::kDebug},
                                                  {"info", Level::kInfo},
                                                  {"warn", Level::kWarn},
                                                  {"error", Level::kError}};
  Level level = Level::kError;
  for (const auto& [name, want] : kNames) {
    ASSERT_TRUE(ParseLevel(name, &level)) << name;
    EXPECT_EQ(level, want) << name;
  }
}

TEST(ParseLevel, RejectsOtherTextAndLeavesTheLevel) {
  Level level = Level::kWarn;
  EXPECT_FALSE(ParseLevel("verbose", &level));
  EXPECT_FALSE(ParseLevel("", &level));
  EXPECT_EQ(level, Level::kWarn);
}

}  // namespace
}  // namespace octo::log

namespace octo::log {
namespace {

TEST(FatalDeathTest, LogsTheStatusAndExitsWithOne) {
  EXPECT_EXIT(Fatal(absl::InvalidArgumentError("listen: bad address")),
              ::testing::ExitedWithCode(1), "listen: bad address");
}

TEST(FatalDeathTest, AnUnknownLogLevelIsFatal) {
  EXPECT_EXIT(InitOrExit("test", "loud"), ::testing::ExitedWithCode(1), "log_level");
}

}  // namespace
}  // namespace octo::log
