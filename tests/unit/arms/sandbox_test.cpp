#include "src/executor/sandbox.h"

#include <pthread.h>
#include <signal.h>
#include <stdlib.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace octo::arms {
namespace {

using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// Far below the 30 s the programs would run for if nothing stopped them, far above the
// time a kill takes: distinguishes "killed" from "ran to completion", not fast from slow.
constexpr absl::Duration kKilledWithin = absl::Seconds(15);

absl::StatusOr<v1::ExecResult> RunIt(const std::string& path, std::vector<std::string> args,
                                     std::string stdin_data = "", SandboxLimits limits = {},
                                     const std::function<bool()>& cancelled = nullptr) {
  SandboxCommand command{path, std::move(args), std::move(stdin_data)};
  return RunSandboxed(command, limits, cancelled);
}

// Runs `path` with `args` under `limits` and checks that the run ended DEADLINE_EXCEEDED, the
// program killed well within kKilledWithin.
void ExpectKilledAtTheTimeout(const std::string& path, std::vector<std::string> args,
                              const SandboxLimits& limits) {
  const absl::Time start = absl::Now();
  auto result = RunIt(path, std::move(args), "", limits);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded) << result.status();
  EXPECT_LT(absl::Now() - start, kKilledWithin);
}

// True while `pid` exists and is not a zombie.
bool IsRunning(pid_t pid) {
  std::ifstream stat("/proc/" + std::to_string(pid) + "/stat");
  std::string content;
  if (!std::getline(stat, content)) return false;
  auto paren = content.rfind(')');
  return paren != std::string::npos && paren + 2 < content.size() && content[paren + 2] != 'Z';
}

TEST(RunSandboxed, EchoWritesStdoutAndExitsZero) {
  auto result = RunIt("/bin/echo", {"hello", "world"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stdout(), "hello world\n");
  EXPECT_EQ(result->stderr(), "");
  EXPECT_EQ(result->exit_code(), 0);
  EXPECT_EQ(result->signal(), 0);
  EXPECT_FALSE(result->truncated());
  EXPECT_GE(result->duration_ms(), 0);
}

TEST(RunSandboxed, ArgumentsReachTheProgramWithoutShellExpansion) {
  auto result = RunIt("/bin/echo", {"$HOME", "*", "a b", "`id`"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stdout(), "$HOME * a b `id`\n");
}

TEST(RunSandboxed, FalseReportsExitCodeOneWithoutError) {
  auto result = RunIt("/bin/false", {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code(), 1);
  EXPECT_EQ(result->signal(), 0);
}

TEST(RunSandboxed, CapturesStderrSeparately) {
  auto result = RunIt("/bin/ls", {"/octo-no-such-file"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_NE(result->exit_code(), 0);
  EXPECT_EQ(result->stdout(), "");
  EXPECT_THAT(result->stderr(), HasSubstr("octo-no-such-file"));
}

TEST(RunSandboxed, MissingProgramExitsWith127) {
  auto result = RunIt("/octo/no/such/program", {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code(), 127);
}

TEST(RunSandboxed, ReportsTerminatingSignal) {
  auto result = RunIt("/bin/sh", {"-c", "kill -TERM $$"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->signal(), SIGTERM);
  EXPECT_EQ(result->exit_code(), 0);
}

TEST(RunSandboxed, DeliversStdin) {
  auto result = RunIt("/bin/cat", {}, "line one\nline two\n");
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stdout(), "line one\nline two\n");
}

TEST(RunSandboxed, DeliversStdinLargerThanAPipeBuffer) {
  std::string input;
  for (int i = 0; input.size() < 300'000; ++i) input += std::to_string(i) + "\n";
  SandboxLimits limits;
  limits.max_output_bytes = 1 << 20;
  auto result = RunIt("/bin/cat", {}, input, limits);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stdout(), input);
  EXPECT_FALSE(result->truncated());
}

TEST(RunSandboxed, NoStdinMeansEndOfFile) {
  auto result = RunIt("/bin/cat", {});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stdout(), "");
  EXPECT_EQ(result->exit_code(), 0);
}

// A program that exits without reading its input must not take the caller down with
// SIGPIPE when the sandbox writes the rest.
TEST(RunSandboxed, ProgramThatIgnoresStdinDoesNotHurtTheCaller) {
  const std::string input(1 << 20, 'x');
  auto result = RunIt("/bin/true", {}, input);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->exit_code(), 0);
}

TEST(RunSandboxed, ProgramThatReadsPartOfStdinDoesNotHurtTheCaller) {
  const std::string input(1 << 20, 'x');
  auto result = RunIt("/usr/bin/head", {"-c", "10"}, input);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stdout(), "xxxxxxxxxx");
  EXPECT_EQ(result->exit_code(), 0);
}

// Whatever the calling thread blocks (the services block SIGTERM and SIGINT for their
// signal-waiting main thread) or the process ignores, the program starts with an empty
// signal mask and SIGPIPE at its default.
TEST(RunSandboxed, ProgramStartsWithDefaultSignalHandling) {
  sigset_t block, old_mask;
  sigemptyset(&block);
  sigaddset(&block, SIGTERM);
  sigaddset(&block, SIGINT);
  ASSERT_EQ(pthread_sigmask(SIG_BLOCK, &block, &old_mask), 0);
  struct sigaction ignore {
  }, old_pipe{};
  ignore.sa_handler = SIG_IGN;
  ASSERT_EQ(sigaction(SIGPIPE, &ignore, &old_pipe), 0);
  auto result = RunIt("/bin/grep", {"-E", "^Sig(Blk|Ign):", "/proc/self/status"});
  sigaction(SIGPIPE, &old_pipe, nullptr);
  pthread_sigmask(SIG_SETMASK, &old_mask, nullptr);
  ASSERT_TRUE(result.ok()) << result.status();

  uint64_t blocked = ~uint64_t{0}, ignored = ~uint64_t{0};
  for (absl::string_view line : absl::StrSplit(result->stdout(), '\n', absl::SkipEmpty())) {
    std::pair<absl::string_view, absl::string_view> kv = absl::StrSplit(line, ':');
    uint64_t mask = 0;
    ASSERT_TRUE(absl::SimpleHexAtoi(absl::StripAsciiWhitespace(kv.second), &mask)) << line;
    if (kv.first == "SigBlk") blocked = mask;
    if (kv.first == "SigIgn") ignored = mask;
  }
  EXPECT_EQ(blocked, 0u) << result->stdout();
  EXPECT_EQ(ignored & (uint64_t{1} << (SIGPIPE - 1)), 0u) << result->stdout();
}

TEST(RunSandboxed, OutputCapTruncatesAndKeepsTheStart) {
  std::string input;
  for (int i = 0; input.size() < 200'000; ++i) input += std::to_string(i) + ",";
  SandboxLimits limits;
  limits.max_output_bytes = 1000;
  auto result = RunIt("/bin/cat", {}, input, limits);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_TRUE(result->truncated());
  EXPECT_EQ(result->stdout(), input.substr(0, 1000));
  EXPECT_EQ(result->exit_code(), 0);
}

TEST(RunSandboxed, OutputAtExactlyTheCapIsNotTruncated) {
  SandboxLimits limits;
  limits.max_output_bytes = 6;
  auto result = RunIt("/bin/echo", {"hello"}, "", limits);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stdout(), "hello\n");
  EXPECT_FALSE(result->truncated());
}

TEST(RunSandboxed, StderrIsCappedToo) {
  SandboxLimits limits;
  limits.max_output_bytes = 100;
  auto result = RunIt("/bin/sh", {"-c", "head -c 50000 /dev/zero >&2"}, "", limits);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stderr().size(), 100u);
  EXPECT_TRUE(result->truncated());
}

TEST(RunSandboxed, EndlessOutputEndsAtTheTimeout) {
  SandboxLimits limits;
  limits.max_output_bytes = 1000;
  limits.timeout = absl::Milliseconds(500);
  ExpectKilledAtTheTimeout("/usr/bin/yes", {}, limits);
}

TEST(RunSandboxed, TimeoutKillsASleepingProgram) {
  SandboxLimits limits;
  limits.timeout = absl::Milliseconds(200);
  ExpectKilledAtTheTimeout("/bin/sleep", {"30"}, limits);
}

TEST(RunSandboxed, TimeoutKillsTheWholeProcessGroup) {
  SandboxLimits limits;
  limits.timeout = absl::Milliseconds(300);
  // The background sleep keeps the output pipes open after sh is gone.
  ExpectKilledAtTheTimeout("/bin/sh", {"-c", "sleep 30 & sleep 30"}, limits);
}

TEST(RunSandboxed, NoBackgroundProcessOutlivesTheStep) {
  auto result = RunIt("/bin/sh", {"-c", "sleep 30 </dev/null >/dev/null 2>&1 & echo $!"});
  ASSERT_TRUE(result.ok()) << result.status();
  int pid = 0;
  ASSERT_TRUE(absl::SimpleAtoi(absl::StripAsciiWhitespace(result->stdout()), &pid))
      << result->stdout();
  // SIGKILL is delivered at once, but the orphan is reaped by init asynchronously.
  const absl::Time give_up = absl::Now() + kKilledWithin;
  while (IsRunning(pid) && absl::Now() < give_up) absl::SleepFor(absl::Milliseconds(10));
  EXPECT_FALSE(IsRunning(pid)) << "background sleep " << pid << " survived";
}

TEST(RunSandboxed, CancellationEndsTheProgram) {
  const absl::Time start = absl::Now();
  auto cancelled = [start] { return absl::Now() - start >= absl::Milliseconds(100); };
  auto result = RunIt("/bin/sleep", {"30"}, "", SandboxLimits{}, cancelled);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled) << result.status();
  EXPECT_LT(absl::Now() - start, kKilledWithin);
}

TEST(RunSandboxed, EnvironmentHasOnlyTheFourSafeVariables) {
  ASSERT_EQ(setenv("OCTO_SANDBOX_CANARY", "secret-canary-value", 1), 0);
  auto result = RunIt("/usr/bin/env", {});
  unsetenv("OCTO_SANDBOX_CANARY");
  ASSERT_TRUE(result.ok()) << result.status();
  std::vector<std::string> names;
  std::string home, tmpdir;
  for (absl::string_view line : absl::StrSplit(result->stdout(), '\n', absl::SkipEmpty())) {
    std::pair<std::string, std::string> kv = absl::StrSplit(line, absl::MaxSplits('=', 1));
    names.push_back(kv.first);
    if (kv.first == "HOME") home = kv.second;
    if (kv.first == "TMPDIR") tmpdir = kv.second;
  }
  EXPECT_THAT(names, UnorderedElementsAre("PATH", "LANG", "HOME", "TMPDIR"));
  EXPECT_THAT(result->stdout(), ::testing::Not(HasSubstr("secret-canary-value")));
  EXPECT_FALSE(home.empty());
  EXPECT_EQ(home, tmpdir);
}

TEST(RunSandboxed, WorkingDirectoryIsFreshAndRemovedAfterwards) {
  auto result = RunIt("/bin/sh", {"-c", "pwd; ls -A; echo data > file.txt; mkdir sub"});
  ASSERT_TRUE(result.ok()) << result.status();
  std::vector<std::string> lines = absl::StrSplit(result->stdout(), '\n', absl::SkipEmpty());
  ASSERT_EQ(lines.size(), 1u) << "working directory was not empty: " << result->stdout();
  const std::filesystem::path dir = lines[0];
  EXPECT_NE(dir, std::filesystem::current_path());
  EXPECT_FALSE(std::filesystem::exists(dir)) << dir << " was left behind";
}

TEST(RunSandboxed, EachRunGetsItsOwnDirectory) {
  auto first = RunIt("/bin/pwd", {});
  auto second = RunIt("/bin/pwd", {});
  ASSERT_TRUE(first.ok()) << first.status();
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_NE(first->stdout(), second->stdout());
  EXPECT_FALSE(
      std::filesystem::exists(std::string(absl::StripTrailingAsciiWhitespace(first->stdout()))));
}

TEST(RunSandboxed, HomeIsTheWorkingDirectory) {
  auto result = RunIt("/bin/sh", {"-c", "test \"$HOME\" = \"$(pwd)\" && echo same"});
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->stdout(), "same\n");
}

// Points TMPDIR at a private directory for the test's lifetime, so what the sandbox
// leaves in it can be listed without seeing other processes' files.
class RunSandboxedTmpTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string pattern =
        (std::filesystem::temp_directory_path() / "octo-sandbox-test-XXXXXX").string();
    ASSERT_NE(mkdtemp(pattern.data()), nullptr);
    private_tmp_ = pattern;
    if (const char* old = getenv("TMPDIR")) old_tmpdir_ = old;
    setenv("TMPDIR", private_tmp_.c_str(), 1);
  }
  void TearDown() override {
    if (old_tmpdir_) {
      setenv("TMPDIR", old_tmpdir_->c_str(), 1);
    } else {
      unsetenv("TMPDIR");
    }
    std::error_code ec;
    std::filesystem::remove_all(private_tmp_, ec);
  }
  std::vector<std::string> Leftovers() const {
    std::vector<std::string> names;
    for (const auto& entry : std::filesystem::directory_iterator(private_tmp_)) {
      names.push_back(entry.path().filename().string());
    }
    return names;
  }

  std::filesystem::path private_tmp_;
  std::optional<std::string> old_tmpdir_;
};

TEST_F(RunSandboxedTmpTest, WorkingDirectoryIsUnderTmpdirAndRemoved) {
  auto result = RunIt("/bin/pwd", {});
  ASSERT_TRUE(result.ok()) << result.status();
  const std::filesystem::path dir(
      std::string(absl::StripTrailingAsciiWhitespace(result->stdout())));
  EXPECT_EQ(dir.parent_path(), private_tmp_);
  EXPECT_THAT(Leftovers(), IsEmpty());
}

TEST_F(RunSandboxedTmpTest, WorkingDirectoryIsRemovedAfterATimeout) {
  SandboxLimits limits;
  limits.timeout = absl::Milliseconds(300);
  auto result = RunIt("/bin/sh", {"-c", "echo data > file.txt; sleep 30"}, "", limits);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kDeadlineExceeded) << result.status();
  EXPECT_THAT(Leftovers(), IsEmpty());
}

TEST_F(RunSandboxedTmpTest, WorkingDirectoryIsRemovedAfterCancellation) {
  auto result = RunIt("/bin/sh", {"-c", "echo data > file.txt; sleep 30"}, "", SandboxLimits{},
                      [] { return true; });
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled) << result.status();
  EXPECT_THAT(Leftovers(), IsEmpty());
}

}  // namespace
}  // namespace octo::arms
