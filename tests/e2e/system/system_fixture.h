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
#include "octo/testing/system.h"
#include "octo/testing/task_client.h"
#include "octo/v1/operations.grpc.pb.h"
#include "octo/v1/task_service.grpc.pb.h"

namespace octo {

using testing::HttpGet;
using testing::MetricSum;

using Service = testing::ServiceProcess;

class SystemTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto started = testing::System::Start(
        {OCTO_ARM_BIN, OCTO_ORCHESTRATOR_BIN, OCTO_REFLEX_BIN, OCTO_OCTOCTL_BIN});
    ASSERT_TRUE(started.ok()) << started.status();
    system_ = started->release();
    dsn_ = system_->dsn();
    retriever_ = &system_->Arm("retriever");
    executor_ = &system_->Arm("executor");
    // The arms must be up before the orchestrator first describes them.
    orchestrator_ = &system_->Orchestrator({retriever_, executor_});
    reflex_ = LaunchReflex();
    client_ = new testing::TaskClient(reflex_->address());
    tasks_ = &client_->stub();
    direct_ = v1::TaskService::NewStub(Channel(orchestrator_->grpc_port)).release();
    operations_ = v1::Operations::NewStub(Channel(orchestrator_->grpc_port)).release();
    absl::Status healthy = system_->WaitForHealthyArms(*orchestrator_, 2);
    ASSERT_TRUE(healthy.ok()) << healthy;
    IngestNotes();
  }

  static void TearDownTestSuite() {
    delete client_;
    delete direct_;
    delete operations_;
    if (system_ != nullptr) {
      // A clean SIGTERM shutdown exits 0.
      EXPECT_THAT(system_->StopAll(), ::testing::IsEmpty()) << "logs: " << system_->logs();
    }
    delete system_;
  }

  static std::shared_ptr<grpc::Channel> Channel(int port) {
    return grpc::CreateChannel(absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials());
  }

  // A reflex that accepts API keys and, without one, the anonymous tenant "dev". It runs
  // until the suite ends unless the test stops it.
  static Service* LaunchReflex(std::vector<std::string> extra = {}) {
    extra.push_back("--auth_cache_ttl=1s");
    return &system_->Reflex(*orchestrator_, std::move(extra));
  }

  // Runs octoctl with `args`; returns its standard output.
  static std::string Octoctl(std::vector<std::string> args) {
    auto out = system_->Octoctl(args);
    EXPECT_TRUE(out.ok()) << out.status();
    return out.value_or("");
  }

  static std::string ReadFile(const std::string& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
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

  static std::unique_ptr<grpc::ClientContext> Context(bool with_tenant = false) {
    auto context = std::make_unique<grpc::ClientContext>();
    context->set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
    if (with_tenant) context->AddMetadata(rpc::kTenantHeader, "dev");
    return context;
  }

  // Streams the task's events through the reflex until the stream ends.
  static std::vector<v1::TaskEvent> WatchAll(const std::string& task_id, int64_t from = 0) {
    auto events = client_->Watch(task_id, from);
    EXPECT_TRUE(events.ok()) << events.status();
    return events.value_or(std::vector<v1::TaskEvent>());
  }

  static v1::SubmitTaskResponse Submit(const v1::TaskSpec& spec) {
    auto response = client_->Submit(spec);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.value_or(v1::SubmitTaskResponse());
  }

  static std::string Metrics(const Service& service) {
    auto body = HttpGet(service.metrics_port, "/metrics");
    EXPECT_TRUE(body.ok()) << body.status();
    return body.value_or("");
  }

  static inline testing::System* system_ = nullptr;
  static inline std::string dsn_;
  static inline Service* retriever_ = nullptr;
  static inline Service* executor_ = nullptr;
  static inline Service* orchestrator_ = nullptr;
  static inline Service* reflex_ = nullptr;
  static inline testing::TaskClient* client_ = nullptr;  // through the reflex
  static inline v1::TaskService::Stub* tasks_ = nullptr;   // client_'s
  static inline v1::TaskService::Stub* direct_ = nullptr;
  static inline v1::Operations::Stub* operations_ = nullptr;
};

}  // namespace octo
