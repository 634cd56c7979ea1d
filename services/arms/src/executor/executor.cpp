#include "src/executor/executor.h"

#include <unistd.h>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "octo/common/utf8.h"

namespace octo::arms {
namespace {

constexpr size_t kMaxArgs = 64;
constexpr size_t kMaxArgBytes = 4096;
constexpr size_t kMaxStdinBytes = 1 << 20;

class Executor final : public ArmHandler {
 public:
  Executor(absl::flat_hash_map<std::string, std::string> programs, SandboxLimits limits)
      : programs_(std::move(programs)), limits_(limits) {}

  v1::ArmDescription Describe() const override {
    return Description("executor", {"execute"}, v1::COST_TIER_FREE);
  }


  absl::StatusOr<v1::ExecuteResponse> Execute(const v1::ExecuteRequest& request,
                                              const CallContext& context) override {
    v1::ExecParams params = request.exec();
    if (!request.has_exec()) {
      auto words = SplitCommandLine(request.instruction());
      if (!words.ok()) return words.status();
      if (words->empty()) return absl::InvalidArgumentError("instruction: no program to run");
      params.set_program((*words)[0]);
      for (size_t i = 1; i < words->size(); ++i) params.add_args((*words)[i]);
    }
    auto it = programs_.find(params.program());
    if (it == programs_.end()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "exec.program: \"", params.program(), "\" is not allowed (allowed: ",
          absl::StrJoin(allowed_names(), ", "), ")"));
    }
    if (static_cast<size_t>(params.args_size()) > kMaxArgs) {
      return absl::InvalidArgumentError(absl::StrCat("exec.args: more than ", kMaxArgs));
    }
    for (int i = 0; i < params.args_size(); ++i) {
      const std::string& arg = params.args(i);
      if (arg.size() > kMaxArgBytes || arg.find('\0') != std::string::npos) {
        return absl::InvalidArgumentError(
            absl::StrCat("exec.args[", i, "]: longer than ", kMaxArgBytes, " bytes or has NUL"));
      }
    }
    if (params.stdin().size() > kMaxStdinBytes) {
      return absl::InvalidArgumentError("exec.stdin: larger than 1 MiB");
    }
    SandboxCommand command{it->second, {params.args().begin(), params.args().end()},
                           params.stdin()};
    SandboxLimits limits = limits_;
    // Never outlive the caller's deadline.
    const absl::Duration remaining = context.deadline - absl::Now();
    if (remaining < limits.timeout) limits.timeout = std::max(remaining, absl::ZeroDuration());
    auto result = RunSandboxed(command, limits, context.cancelled);
    if (!result.ok()) return result.status();
    result->set_stdout(common::ToValidUtf8(result->stdout()));
    result->set_stderr(common::ToValidUtf8(result->stderr()));
    if (result->exit_code() != 0 || result->signal() != 0) {
      return absl::FailedPreconditionError(absl::StrCat(
          params.program(), " exited with status ", result->exit_code(),
          result->signal() ? absl::StrCat(" (signal ", result->signal(), ")") : "", ": ",
          result->stderr().substr(0, 512)));
    }
    v1::ExecuteResponse response;
    response.mutable_output()->set_text(result->stdout());
    *response.mutable_output()->mutable_exec() = *std::move(result);
    return response;
  }

 private:
  std::vector<std::string> allowed_names() const {
    std::vector<std::string> names;
    for (const auto& [name, path] : programs_) names.push_back(name);
    std::sort(names.begin(), names.end());
    return names;
  }

  absl::flat_hash_map<std::string, std::string> programs_;
  SandboxLimits limits_;
};

}  // namespace

absl::StatusOr<std::unique_ptr<ArmHandler>> NewExecutor(const ExecutorOptions& options) {
  absl::flat_hash_map<std::string, std::string> programs;
  for (const std::string& name : options.allow) {
    if (name.empty() || name.find('/') != std::string::npos) {
      return absl::InvalidArgumentError(
          absl::StrCat("exec allow-list: \"", name, "\" must be a bare program name"));
    }
    std::string found = FindProgram(name);
    if (found.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("exec allow-list: program \"", name, "\" not found"));
    }
    programs[name] = found;
  }
  return std::make_unique<Executor>(std::move(programs), options.limits);
}

absl::StatusOr<std::vector<std::string>> SplitCommandLine(absl::string_view line) {
  std::vector<std::string> words;
  std::string current;
  bool in_word = false;
  char quote = 0;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (quote != 0) {
      if (c == quote) {
        quote = 0;
      } else if (c == '\\' && quote == '"' && i + 1 < line.size()) {
        current.push_back(line[++i]);
      } else {
        current.push_back(c);
      }
    } else if (c == '\'' || c == '"') {
      quote = c;
      in_word = true;
    } else if (c == '\\' && i + 1 < line.size()) {
      current.push_back(line[++i]);
      in_word = true;
    } else if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      if (in_word) words.push_back(std::move(current));
      current.clear();
      in_word = false;
    } else {
      current.push_back(c);
      in_word = true;
    }
  }
  if (quote != 0) return absl::InvalidArgumentError("instruction: unterminated quote");
  if (in_word) words.push_back(std::move(current));
  return words;
}

}  // namespace octo::arms
