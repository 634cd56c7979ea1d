#include "octo/testing/system.h"

#include <sys/wait.h>

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "octo/testing/postgres_server.h"
#include "octo/v1/operations.grpc.pb.h"

namespace octo::testing {
namespace {

std::string ReadAll(const std::string& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

std::string ServiceProcess::address() const { return absl::StrCat("127.0.0.1:", grpc_port); }

absl::StatusOr<std::unique_ptr<System>> System::Start(Binaries binaries) {
  absl::StatusOr<std::string> dsn = PostgresServer::Shared().CreateDatabase();
  if (!dsn.ok()) return dsn.status();
  absl::StatusOr<std::unique_ptr<RedisServer>> redis = RedisServer::Start();
  if (!redis.ok()) return redis.status();
  return std::unique_ptr<System>(new System(std::move(binaries), *dsn, *std::move(redis)));
}

System::~System() { StopAll(); }

ServiceProcess& System::Launch(const std::string& name, const std::string& binary,
                               std::vector<std::string> flags,
                               std::map<std::string, std::string> env) {
  auto service = std::make_unique<ServiceProcess>();
  service->name = name;
  service->grpc_port = PickFreePort();
  service->metrics_port = PickFreePort();
  service->log_path = absl::StrCat(logs(), "/", name, ".log");
  std::vector<std::string> argv{binary, absl::StrCat("--listen=", service->address()),
                                absl::StrCat("--metrics_listen=127.0.0.1:", service->metrics_port)};
  argv.insert(argv.end(), flags.begin(), flags.end());
  SpawnOptions options;
  options.log_path = service->log_path;
  options.env = std::move(env);
  absl::StatusOr<Subprocess> process = Subprocess::Spawn(argv, options);
  EXPECT_TRUE(process.ok()) << name << ": " << process.status();
  if (process.ok()) {
    service->process = *std::move(process);
    absl::Status up = WaitForPort(service->grpc_port, absl::Seconds(30));
    EXPECT_TRUE(up.ok()) << name << ": " << up << "; log:\n" << ReadAll(service->log_path);
  }
  services_.push_back(std::move(service));
  return *services_.back();
}

ServiceProcess& System::Arm(const std::string& kind, std::vector<std::string> flags,
                            std::map<std::string, std::string> env) {
  flags.insert(flags.begin(), "--arm=" + kind);
  // The retriever's documents; the model arms' spend limits and ledger.
  if (kind != "executor" && kind != "guardian") flags.push_back("--database_url=" + dsn_);
  if (kind != "executor" && kind != "guardian" && kind != "retriever") {
    flags.push_back(absl::StrCat("--redis=127.0.0.1:", redis_port()));
  }
  return Launch(absl::StrCat("arm-", kind, "-", services_.size()), binaries_.arm,
                std::move(flags), std::move(env));
}

ServiceProcess& System::Orchestrator(const std::vector<const ServiceProcess*>& arms,
                                     std::vector<std::string> flags) {
  std::vector<std::string> targets;
  for (const ServiceProcess* arm : arms) targets.push_back(arm->address());
  flags.insert(flags.begin(), {"--database_url=" + dsn_,
                               absl::StrCat("--redis=127.0.0.1:", redis_port()),
                               "--arms=" + absl::StrJoin(targets, ","), "--poll_interval=200ms"});
  return Launch(absl::StrCat("orchestrator-", services_.size()), binaries_.orchestrator,
                std::move(flags));
}

ServiceProcess& System::Reflex(const ServiceProcess& orchestrator, std::vector<std::string> flags) {
  flags.insert(flags.begin(), {"--orchestrator=" + orchestrator.address(),
                               absl::StrCat("--redis=127.0.0.1:", redis_port()),
                               "--database_url=" + dsn_, "--allow_anonymous"});
  return Launch(absl::StrCat("reflex-", services_.size()), binaries_.reflex, std::move(flags));
}

absl::Status System::WaitForHealthyArms(const ServiceProcess& orchestrator, int count,
                                        absl::Duration timeout) {
  auto operations = v1::Operations::NewStub(
      grpc::CreateChannel(orchestrator.address(), grpc::InsecureChannelCredentials()));
  const absl::Time deadline = absl::Now() + timeout;
  int healthy = 0;
  while (absl::Now() < deadline) {
    grpc::ClientContext context;
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(2)));
    v1::ListArmsResponse arms;
    if (operations->ListArms(&context, v1::ListArmsRequest(), &arms).ok()) {
      healthy = 0;
      for (const auto& arm : arms.arms()) healthy += arm.healthy();
      if (healthy >= count) return absl::OkStatus();
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  return absl::DeadlineExceededError(absl::StrCat(healthy, " of ", count, " arms healthy after ",
                                                  absl::FormatDuration(timeout)));
}

absl::StatusOr<std::string> System::Octoctl(const std::vector<std::string>& args) {
  const std::string out = absl::StrCat(logs(), "/octoctl-", ++octoctl_runs_, ".out");
  std::vector<std::string> argv{binaries_.octoctl, "--database_url=" + dsn_,
                                absl::StrCat("--redis=127.0.0.1:", redis_port())};
  argv.insert(argv.end(), args.begin(), args.end());
  SpawnOptions options;
  options.log_path = out;
  absl::Status status = RunCommand(argv, options);
  std::string output = ReadAll(out);
  if (!status.ok()) {
    return absl::Status(status.code(), absl::StrCat(status.message(), "; output:\n", output));
  }
  return output;
}

std::vector<std::string> System::StopAll(absl::Duration grace) {
  std::vector<std::string> unclean;
  for (auto it = services_.rbegin(); it != services_.rend(); ++it) {
    ServiceProcess& s = **it;
    if (!s.process || !s.process->running()) continue;
    const int status = s.process->Stop(grace);
    if (WIFEXITED(status) && WEXITSTATUS(status) == 0) continue;
    const std::string how = WIFSIGNALED(status) ? absl::StrCat("signal ", WTERMSIG(status))
                                                : absl::StrCat("exit ", WEXITSTATUS(status));
    std::string log = ReadAll(s.log_path);
    if (log.size() > 2000) log = log.substr(log.size() - 2000);
    unclean.push_back(absl::StrCat(s.name, " (", how, "), log ends:\n", log));
  }
  return unclean;
}

}  // namespace octo::testing
