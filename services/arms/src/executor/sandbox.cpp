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


}  // namespace

absl::StatusOr<v1::ExecResult> RunSandboxed(const SandboxCommand& command,
                                            const SandboxLimits& limits,
                                            const std::function<bool()>& cancelled) {
  std::string dir_template =
      (std::filesystem::temp_directory_path() / "octo-exec-XXXXXX").string();
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
  // Everything the child needs is prepared before fork: after it, only
  // async-signal-safe calls are allowed.
  std::string argv0 = std::filesystem::path(command.path).filename().string();
  std::vector<std::string> arg_storage{argv0};
  arg_storage.insert(arg_storage.end(), command.args.begin(), command.args.end());
  std::vector<char*> argv;
  for (auto& a : arg_storage) argv.push_back(a.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = {"PATH=/usr/local/bin:/usr/bin:/bin", "LANG=C.UTF-8",
                                          "HOME=" + workdir, "TMPDIR=" + workdir};
  std::vector<char*> envp;
  for (auto& e : env_storage) envp.push_back(e.data());
  envp.push_back(nullptr);

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
  Fd in_w{in_pipe[1]}, out_r{out_pipe[0]}, err_r{err_pipe[0]};

  const absl::Time start = absl::Now();
  pid_t pid = fork();
  if (pid < 0) {
    for (int fd : {in_pipe[0], out_pipe[1], err_pipe[1]}) ::close(fd);
    return Errno("fork");
  }
  if (pid == 0) {
    setpgid(0, 0);
    // Signal dispositions set to ignore and the thread's mask survive execve: start clean.
    signal(SIGPIPE, SIG_DFL);
    sigset_t no_signals;
    sigemptyset(&no_signals);
    sigprocmask(SIG_SETMASK, &no_signals, nullptr);
    dup2(in_pipe[0], STDIN_FILENO);
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    if (chdir(workdir.c_str()) != 0) _exit(126);
    Limit(RLIMIT_CPU, static_cast<rlim_t>(limits.cpu_seconds));
    Limit(RLIMIT_AS, limits.address_space_bytes);
    Limit(RLIMIT_FSIZE, limits.file_size_bytes);
    Limit(RLIMIT_NOFILE, static_cast<rlim_t>(limits.open_files));
    Limit(RLIMIT_CORE, 0);
    execve(command.path.c_str(), argv.data(), envp.data());
    _exit(127);
  }
  setpgid(pid, pid);
  ::close(in_pipe[0]);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  for (int fd : {in_w.fd, out_r.fd, err_r.fd}) fcntl(fd, F_SETFL, O_NONBLOCK);

  v1::ExecResult result;
  std::string out, err;
  size_t stdin_off = 0;
  if (command.stdin_data.empty()) in_w.Close();
  absl::Status stop_reason;
  const absl::Time deadline = start + limits.timeout;
  char buffer[16384];
  // Kills the process group once, at cancellation or the deadline.
  auto check_stop = [&] {
    if (!stop_reason.ok()) return;
    if (cancelled && cancelled()) {
      stop_reason = absl::CancelledError("the step was cancelled");
    } else if (absl::Now() >= deadline) {
      stop_reason = absl::DeadlineExceededError(
          absl::StrCat("program ran longer than ", absl::FormatDuration(limits.timeout)));
    }
    if (!stop_reason.ok()) kill(-pid, SIGKILL);
  };

  auto drain = [&](Fd& fd, std::string& sink) {
    while (true) {
      ssize_t n = ::read(fd.fd, buffer, sizeof(buffer));
      if (n > 0) {
        size_t room = limits.max_output_bytes - std::min(limits.max_output_bytes, sink.size());
        sink.append(buffer, std::min(room, static_cast<size_t>(n)));
        if (static_cast<size_t>(n) > room) result.set_truncated(true);
        continue;
      }
      if (n == 0) fd.Close();
      return;  // EAGAIN or error: come back after poll
    }
  };

  while (out_r.fd >= 0 || err_r.fd >= 0) {
    check_stop();
    pollfd fds[3];
    int n = 0;
    if (out_r.fd >= 0) fds[n++] = {out_r.fd, POLLIN, 0};
    if (err_r.fd >= 0) fds[n++] = {err_r.fd, POLLIN, 0};
    if (in_w.fd >= 0) fds[n++] = {in_w.fd, POLLOUT, 0};
    if (::poll(fds, n, 50) < 0 && errno != EINTR) break;
    if (in_w.fd >= 0) {
      ssize_t w = ::write(in_w.fd, command.stdin_data.data() + stdin_off,
                          command.stdin_data.size() - stdin_off);
      if (w > 0) stdin_off += static_cast<size_t>(w);
      if ((w < 0 && errno != EAGAIN) || stdin_off == command.stdin_data.size()) in_w.Close();
    }
    if (out_r.fd >= 0) drain(out_r, out);
    if (err_r.fd >= 0) drain(err_r, err);
  }
  in_w.Close();
  // Output closed. Programs may close stdout before they exit (coreutils does, in an atexit
  // handler), so wait for the exit within the same deadline before killing anything.
  int status = 0;
  while (true) {
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid || (r < 0 && errno != EINTR)) break;
    check_stop();
    absl::SleepFor(absl::Milliseconds(1));
  }
  // Nothing the program started may outlive the step.
  kill(-pid, SIGKILL);
  if (!stop_reason.ok()) return stop_reason;

  result.set_duration_ms(absl::ToInt64Milliseconds(absl::Now() - start));
  if (WIFEXITED(status)) result.set_exit_code(WEXITSTATUS(status));
  if (WIFSIGNALED(status)) result.set_signal(WTERMSIG(status));
  result.set_stdout(std::move(out));
  result.set_stderr(std::move(err));
  return result;
}

}  // namespace octo::arms
