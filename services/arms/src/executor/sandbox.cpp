#include "src/executor/sandbox.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "octo/common/signals.h"

namespace octo::arms {
namespace {

struct Fd {
  int fd = -1;
  ~Fd() { Close(); }
  void Close() {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
};

absl::Status Errno(absl::string_view what) {
  return absl::InternalError(absl::StrCat(what, ": ", std::strerror(errno)));
}

void Limit(int resource, rlim_t value) {
  rlimit rl{value, value};
  setrlimit(resource, &rl);
}

// argv and envp for execve, built before fork: after it, only async-signal-safe calls are
// allowed. Neither copyable nor movable: argv and envp point into the strings.
struct ExecArgs {
  ExecArgs(const SandboxCommand& command, const std::string& workdir) {
    std::string argv0 = std::filesystem::path(command.path).filename().string();
    arg_storage = {argv0};
    arg_storage.insert(arg_storage.end(), command.args.begin(), command.args.end());
    for (auto& a : arg_storage) argv.push_back(a.data());
    argv.push_back(nullptr);
    env_storage = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8", "HOME=" + workdir,
                   "TMPDIR=" + workdir};
    for (auto& e : env_storage) envp.push_back(e.data());
    envp.push_back(nullptr);
  }
  ExecArgs(const ExecArgs&) = delete;
  ExecArgs& operator=(const ExecArgs&) = delete;

  std::vector<std::string> arg_storage;
  std::vector<char*> argv;
  std::vector<std::string> env_storage;
  std::vector<char*> envp;
};

// The child's side of fork: its own process group, a clean signal state, the pipes as stdin,
// stdout and stderr, the working directory and the limits, then execve. Async-signal-safe.
[[noreturn]] void ExecChild(const SandboxCommand& command, const SandboxLimits& limits,
                            const std::string& workdir, const ExecArgs& exec, int stdin_fd,
                            int stdout_fd, int stderr_fd) {
  setpgid(0, 0);
  // Signal dispositions set to ignore and the thread's mask survive execve: start clean.
  signal(SIGPIPE, SIG_DFL);
  sigset_t no_signals;
  sigemptyset(&no_signals);
  sigprocmask(SIG_SETMASK, &no_signals, nullptr);
  dup2(stdin_fd, STDIN_FILENO);
  dup2(stdout_fd, STDOUT_FILENO);
  dup2(stderr_fd, STDERR_FILENO);
  if (chdir(workdir.c_str()) != 0) _exit(126);
  Limit(RLIMIT_CPU, static_cast<rlim_t>(limits.cpu_seconds));
  Limit(RLIMIT_AS, limits.address_space_bytes);
  Limit(RLIMIT_FSIZE, limits.file_size_bytes);
  Limit(RLIMIT_NOFILE, static_cast<rlim_t>(limits.open_files));
  Limit(RLIMIT_CORE, 0);
  execve(command.path.c_str(), exec.argv.data(), exec.envp.data());
  _exit(127);
}

// Kills the child's process group once, at cancellation or the deadline, and keeps the reason.
class Stopper {
 public:
  Stopper(pid_t pid, absl::Time deadline, absl::Duration timeout,
          const std::function<bool()>& cancelled)
      : pid_(pid), deadline_(deadline), timeout_(timeout), cancelled_(cancelled) {}

  void Check() {
    if (!reason_.ok()) return;
    if (cancelled_ && cancelled_()) {
      reason_ = absl::CancelledError("the step was cancelled");
    } else if (absl::Now() >= deadline_) {
      reason_ = absl::DeadlineExceededError(
          absl::StrCat("program ran longer than ", absl::FormatDuration(timeout_)));
    }
    if (!reason_.ok()) kill(-pid_, SIGKILL);
  }

  // OK unless the group was killed.
  const absl::Status& reason() const { return reason_; }

 private:
  const pid_t pid_;
  const absl::Time deadline_;
  const absl::Duration timeout_;
  const std::function<bool()>& cancelled_;
  absl::Status reason_;
};

// The child's output and what was written to its stdin.
struct Streams {
  Fd in_w;
  Fd out_r;
  Fd err_r;
  std::string out;
  std::string err;
};

// Reads what `fd` has now into `sink`, keeping at most `max_bytes`; closes `fd` at its end.
void Drain(Fd& fd, std::string& sink, size_t max_bytes, v1::ExecResult& result) {
  char buffer[16384];
  while (true) {
    ssize_t n = ::read(fd.fd, buffer, sizeof(buffer));
    if (n > 0) {
      size_t room = max_bytes - std::min(max_bytes, sink.size());
      sink.append(buffer, std::min(room, static_cast<size_t>(n)));
      if (static_cast<size_t>(n) > room) result.set_truncated(true);
      continue;
    }
    if (n == 0) fd.Close();
    return;  // EAGAIN or error: come back after poll
  }
}

// Feeds stdin and collects stdout and stderr until the child closes both.
void PumpStreams(const std::string& stdin_data, size_t max_output_bytes, Stopper& stopper,
                 Streams& io, v1::ExecResult& result) {
  size_t stdin_off = 0;
  while (io.out_r.fd >= 0 || io.err_r.fd >= 0) {
    stopper.Check();
    pollfd fds[3];
    int n = 0;
    if (io.out_r.fd >= 0) fds[n++] = {io.out_r.fd, POLLIN, 0};
    if (io.err_r.fd >= 0) fds[n++] = {io.err_r.fd, POLLIN, 0};
    if (io.in_w.fd >= 0) fds[n++] = {io.in_w.fd, POLLOUT, 0};
    if (::poll(fds, n, 50) < 0 && errno != EINTR) break;
    if (io.in_w.fd >= 0) {
      ssize_t w = ::write(io.in_w.fd, stdin_data.data() + stdin_off, stdin_data.size() - stdin_off);
      if (w > 0) stdin_off += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN) || stdin_off == stdin_data.size()) io.in_w.Close();
    }
    if (io.out_r.fd >= 0) Drain(io.out_r, io.out, max_output_bytes, result);
    if (io.err_r.fd >= 0) Drain(io.err_r, io.err, max_output_bytes, result);
  }
  io.in_w.Close();
}

}  // namespace

absl::StatusOr<v1::ExecResult> RunSandboxed(const SandboxCommand& command,
                                            const SandboxLimits& limits,
                                            const std::function<bool()>& cancelled) {
  std::string dir_template = (std::filesystem::temp_directory_path() / "octo-exec-XXXXXX").string();
  if (mkdtemp(dir_template.data()) == nullptr) return Errno("mkdtemp");
  const std::string workdir = dir_template;
  struct RemoveDir {
    std::string path;
    ~RemoveDir() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  } remove_dir{workdir};

  common::IgnoreSigpipe();
  const ExecArgs exec(command, workdir);

  int in_pipe[2], out_pipe[2], err_pipe[2];
  if (pipe2(in_pipe, O_CLOEXEC) != 0) return Errno("pipe");
  if (pipe2(out_pipe, O_CLOEXEC) != 0) {
    ::close(in_pipe[0]);
    ::close(in_pipe[1]);
    return Errno("pipe");
  }
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    for (int fd : {in_pipe[0], in_pipe[1], out_pipe[0], out_pipe[1]}) ::close(fd);
    return Errno("pipe");
  }
  Streams io{{in_pipe[1]}, {out_pipe[0]}, {err_pipe[0]}, {}, {}};

  const absl::Time start = absl::Now();
  pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {in_pipe[0], out_pipe[1], err_pipe[1]}) ::close(fd);
    return Errno("fork");
  }
  if (pid == 0) ExecChild(command, limits, workdir, exec, in_pipe[0], out_pipe[1], err_pipe[1]);
  setpgid(pid, pid);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  for (int fd : {io.in_w.fd, io.out_r.fd, io.err_r.fd}) fcntl(fd, F_SETFL, O_NONBLOCK);

  v1::ExecResult result;
  if (command.stdin_data.empty()) io.in_w.Close();
  Stopper stopper(pid, start + limits.timeout, limits.timeout, cancelled);
  PumpStreams(command.stdin_data, limits.max_output_bytes, stopper, io, result);
  // Output closed. Programs may close stdout before they exit (coreutils does, in an atexit
  // handler), so wait for the exit within the same deadline before killing anything.
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) break;
    stopper.Check();
    absl::SleepFor(absl::Milliseconds(1));
  }
  // Nothing the program started may outlive the step.
  kill(-pid, SIGKILL);
  if (!stopper.reason().ok()) return stopper.reason();

  result.set_duration_ms(absl::ToInt64Milliseconds(absl::Now() - start));
  if (WIFEXITED(status)) result.set_exit_code(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) result.set_signal(WTERMSIG(status));
  result.set_stdout(std::move(io.out));
  result.set_stderr(std::move(io.err));
  return result;
}

std::string FindProgram(absl::string_view name) {
  for (const char* dir : {"/usr/local/bin", "/usr/bin", "/bin"}) {
    std::string path = absl::StrCat(dir, "/", name);
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return "";
}

}  // namespace octo::arms
