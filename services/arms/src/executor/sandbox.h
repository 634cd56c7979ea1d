// Runs one program without a shell under resource limits, in a throw-away directory.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "octo/v1/arm.pb.h"

namespace octo::arms {

struct SandboxLimits {
  absl::Duration timeout = absl::Seconds(30);
  // Bytes kept of stdout and of stderr each; the rest is read and dropped.
  size_t max_output_bytes = 64 << 10;
  // RLIMIT_CPU seconds, RLIMIT_AS bytes, RLIMIT_FSIZE bytes, RLIMIT_NOFILE.
  int cpu_seconds = 30;
  size_t address_space_bytes = size_t{1} << 30;
  size_t file_size_bytes = 16 << 20;
  int open_files = 64;
};

struct SandboxCommand {
  // Absolute path of the program; argv[0] is its base name.
  std::string path;
  std::vector<std::string> args;
  std::string stdin_data;
};

// Runs `command` in its own process group and a fresh temporary working directory
// (removed afterwards) with an environment of only PATH, LANG, HOME and TMPDIR. The whole
// group is killed at the timeout (result: DEADLINE_EXCEEDED) or when `cancelled` turns
// true (CANCELLED). A non-zero exit is not an error: see ExecResult.exit_code / signal.
// The program starts with an empty signal mask and default SIGPIPE handling. The first call
// sets SIGPIPE to SIG_IGN process-wide if it is still SIG_DFL, so that writing stdin to a
// program that exited early fails with EPIPE instead of killing the caller.
// The absolute path of program `name` in /usr/local/bin, /usr/bin or /bin (the first that
// has it, executable), or "" when none does.
std::string FindProgram(absl::string_view name);

absl::StatusOr<v1::ExecResult> RunSandboxed(const SandboxCommand& command,
                                            const SandboxLimits& limits,
                                            const std::function<bool()>& cancelled);

}  // namespace octo::arms
