// The whole system for end-to-end tests: real binaries over gRPC, real Postgres and Redis,
// started once per test binary and shared by its tests.
#pragma once

#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "octo/rpc/metadata.h"
#include "octo/testing/http.h"
#include "octo/testing/postgres_server.h"
#include "octo/testing/redis_server.h"
#include "octo/testing/subprocess.h"
#include "octo/v1/operations.grpc.pb.h"
#include "octo/v1/task_service.grpc.pb.h"

namespace octo {

using testing::HttpGet;
using testing::MetricSum;
using testing::PickFreePort;
using testing::Subprocess;
using testing::WaitForPort;

struct Service {
  std::string name;
  int grpc_port = 0;
  int metrics_port = 0;
  std::optional<Subprocess> process;
};

class SystemTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    redis_ = testing::RedisServer::Start().value().release();
    auto dsn = testing::PostgresServer::Shared().CreateDatabase();
    ASSERT_TRUE(dsn.ok()) << dsn.status();
    dsn_ = *dsn;
    logs_ = new testing::TempDir();

    retriever_ = Launch("arm-retriever", OCTO_ARM_BIN, {"--arm=retriever", "--database_url=" + *dsn});
    executor_ = Launch("arm-executor", OCTO_ARM_BIN, {"--arm=executor"});
    // The arm must be up before the orchestrator first describes it.
    orchestrator_ = Launch(
        "orchestrator", OCTO_ORCHESTRATOR_BIN,
        {"--database_url=" + *dsn, absl::StrCat("--redis=127.0.0.1:", redis_->port()),
         absl::StrCat("--arms=127.0.0.1:", retriever_->grpc_port, ",127.0.0.1:",
                      executor_->grpc_port),
         "--poll_interval=200ms"});
    reflex_ = LaunchReflex("reflex");
    tasks_ = v1::TaskService::NewStub(Channel(reflex_->grpc_port)).release();
    direct_ = v1::TaskService::NewStub(Channel(orchestrator_->grpc_port)).release();
    operations_ = v1::Operations::NewStub(Channel(orchestrator_->grpc_port)).release();
    WaitForArms();
    IngestNotes();
  }

  // A document of tenant "dev" the tests' goals find (a retrieval that finds nothing fails
  // the task with NO_ANSWER): its words are those of the goals of tests about other things.
  static void IngestNotes() {
    v1::IngestDocumentsRequest ingest;
    v1::Document* doc = ingest.add_documents();
    doc->set_external_id("notes/operations");
    doc->set_title("Operations notes");
    doc->set_body(
        "A result is cached for every reflex replica. During an outage of Redis the rate "
        "limits are counted locally. Trace ids travel with each call; count the calls in the "
        "metrics.");
    v1::IngestDocumentsResponse stored;
    auto context = Context(/*with_tenant=*/true);
    grpc::Status status = operations_->IngestDocuments(context.get(), ingest, &stored);
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  static void TearDownTestSuite() {
    for (Service* s : {reflex_, orchestrator_, executor_, retriever_}) {
      if (s != nullptr && s->process) {
        int status = s->process->Stop(absl::Seconds(10));
        // A clean SIGTERM shutdown exits 0.
        EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0)
            << s->name << " exit status " << status << "; log: " << logs_->path();
      }
      delete s;
    }
    delete tasks_;
    delete direct_;
    delete operations_;
    delete redis_;
  }

  static std::shared_ptr<grpc::Channel> Channel(int port) {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }

  static Service* Launch(const std::string& name, const std::string& binary,
                         std::vector<std::string> flags) {
    auto* service = new Service{name, PickFreePort(), PickFreePort(), std::nullopt};
    std::vector<std::string> argv{binary, absl::StrCat("--listen=127.0.0.1:", service->grpc_port),
                                  absl::StrCat("--metrics_listen=127.0.0.1:", service->metrics_port)};
    argv.insert(argv.end(), flags.begin(), flags.end());
    testing::SpawnOptions options;
    options.log_path = absl::StrCat(logs_->path(), "/", name, ".log");
    auto process = Subprocess::Spawn(argv, options);
    EXPECT_TRUE(process.ok()) << process.status();
    service->process = *std::move(process);
    auto up = WaitForPort(service->grpc_port, absl::Seconds(30));
    EXPECT_TRUE(up.ok()) << name << ": " << up << "; log: " << options.log_path;
    return service;
  }

  // A reflex that accepts API keys and, without one, the anonymous tenant "dev".
  static Service* LaunchReflex(const std::string& name, std::vector<std::string> extra = {}) {
    std::vector<std::string> flags{
        absl::StrCat("--orchestrator=127.0.0.1:", orchestrator_->grpc_port),
        absl::StrCat("--redis=127.0.0.1:", redis_->port()), "--database_url=" + dsn_,
        "--allow_anonymous", "--auth_cache_ttl=1s"};
    flags.insert(flags.end(), extra.begin(), extra.end());
    return Launch(name, OCTO_REFLEX_BIN, flags);
  }

  // Runs octoctl with `args`; returns its standard output.
  static std::string Octoctl(std::vector<std::string> args) {
    const std::string out = absl::StrCat(logs_->path(), "/octoctl.out");
    std::vector<std::string> argv{OCTO_OCTOCTL_BIN, "--database_url=" + dsn_,
                                  absl::StrCat("--redis=127.0.0.1:", redis_->port())};
    argv.insert(argv.end(), args.begin(), args.end());
    std::remove(out.c_str());
    testing::SpawnOptions options;
    options.log_path = out;
    auto status = testing::RunCommand(argv, options);
    EXPECT_TRUE(status.ok()) << status;
    return ReadFile(out);
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
  }

  static void WaitForArms() {
    const absl::Time deadline = absl::Now() + absl::Seconds(30);
    while (absl::Now() < deadline) {
      grpc::ClientContext context;
      v1::ListArmsResponse arms;
      if (operations_->ListArms(&context, v1::ListArmsRequest(), &arms).ok()) {
        int healthy = 0;
        for (const auto& arm : arms.arms()) healthy += arm.healthy();
        if (healthy == 2) return;
      }
      absl::SleepFor(absl::Milliseconds(100));
    }
    FAIL() << "arms did not become healthy";
  }

  static std::unique_ptr<grpc::ClientContext> Context(bool with_tenant = false) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    if (with_tenant) context->AddMetadata(rpc::kTenantHeader, "dev");
    return context;
  }

  // Streams the task's events through the reflex until the stream ends.
  static std::vector<v1::TaskEvent> WatchAll(const std::string& task_id, int64_t from = 0) {
    v1::WatchTaskRequest request;
    request.set_task_id(task_id);
    request.set_from_seq(from);
    auto context = Context();
    auto reader = tasks_->WatchTask(context.get(), request);
    std::vector<v1::TaskEvent> events;
    v1::TaskEvent event;
    while (reader->Read(&event)) events.push_back(event);
    grpc::Status status = reader->Finish();
    EXPECT_TRUE(status.ok()) << status.error_message();
    return events;
  }

  static v1::SubmitTaskResponse Submit(const v1::TaskSpec& spec) {
    v1::SubmitTaskRequest request;
    *request.mutable_spec() = spec;
    v1::SubmitTaskResponse response;
    auto context = Context();
    grpc::Status status = tasks_->SubmitTask(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response;
  }

  static std::string Metrics(const Service& service) {
    auto body = HttpGet(service.metrics_port, "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    return body.value_or("");
  }

  static inline std::string dsn_;
  static inline testing::RedisServer* redis_ = nullptr;
  static inline testing::TempDir* logs_ = nullptr;
  static inline Service* retriever_ = nullptr;
  static inline Service* executor_ = nullptr;
  static inline Service* orchestrator_ = nullptr;
  static inline Service* reflex_ = nullptr;
  static inline v1::TaskService::Stub* tasks_ = nullptr;
  static inline v1::TaskService::Stub* direct_ = nullptr;
  static inline v1::Operations::Stub* operations_ = nullptr;
};

}  // namespace octo
