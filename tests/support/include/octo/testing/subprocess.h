// Child processes and loopback ports for tests that run real servers.
#pragma once

#include <sys/types.h>

#include <map>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/time/time.h"

namespace octo::testing {

struct SpawnOptions {
  // Extra environment variables, added to (and overriding) the parent's environment.
  std::map<std::string, std::string> env;
  // File receiving the child's stdout and stderr; /dev/null when empty.
  std::string log_path;
  // Working directory; the parent's when empty.
  std::string cwd;
};

// A child process in its own process group. The destructor kills the group (SIGKILL) and
// reaps it if it is still running. Not thread-safe.
class Subprocess {
 public:
  static absl::StatusOr<Subprocess> Spawn(const std::vector<std::string>& argv,
                                          const SpawnOptions& options = {});
  Subprocess(Subprocess&& other) noexcept;
  Subprocess& operator=(Subprocess&& other) noexcept;
  Subprocess(const Subprocess&) = delete;
  Subprocess& operator=(const Subprocess&) = delete;
  ~Subprocess();

  pid_t pid() const { return pid_; }
  bool running() const { return pid_ > 0; }
  // Sends `signal` to the child's process group.
  void Signal(int signal);
  // Waits up to `timeout` for the child to exit; returns its wait status.
  // DEADLINE_EXCEEDED if it is still running then.
  absl::StatusOr<int> Wait(absl::Duration timeout);
  // SIGTERM, wait up to `grace`, then SIGKILL. Returns the wait status.
  int Stop(absl::Duration grace = absl::Seconds(10));

 private:
  explicit Subprocess(pid_t pid) : pid_(pid) {}
  pid_t pid_ = -1;
};

// Runs a command to completion; OK only when it exits 0. Output goes to `options.log_path`.
absl::Status RunCommand(const std::vector<std::string>& argv, const SpawnOptions& options = {},
                        absl::Duration timeout = absl::Seconds(120));

// A TCP port on 127.0.0.1 that was free a moment ago.
int PickFreePort();

// Waits until something accepts TCP connections on 127.0.0.1:port.
absl::Status WaitForPort(int port, absl::Duration timeout);

// A fresh directory under $TMPDIR (or /tmp), removed recursively by the destructor.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace octo::testing
