// A tenant's spend limit set with `octoctl admin set-limit` holds across two reflexes, two
// orchestrators and two answerers: tasks run until the next model call could cross it, then
// fail with ERROR_REASON_SPEND_LIMIT naming the limit and its reset; what the ledger says was
// spent never passes it; a Redis that lost its totals does not reset them; and removing the
// limit lets tasks run again. With a catalog whose answer chain falls back to a cheaper model
// on budget_low, a tenant near its limit is answered by that model, which `octoctl get` and
// the metrics show, and a task whose cost budget fits no model fails with its reason.
#include <pqxx/pqxx>

#include <cstdio>
#include <fstream>
#include <map>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gmock/gmock.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "gtest/gtest.h"
#include "octo/testing/http.h"
#include "octo/testing/llm_stand_in.h"
#include "octo/testing/system.h"
#include "octo/testing/task_client.h"
#include "octo/v1/operations.grpc.pb.h"

namespace octo {
namespace {

using ::testing::HasSubstr;
using testing::LlmReply;
using testing::ServiceProcess;
using testing::System;

constexpr double kLimitUsd = 0.002;

// Answers from the first source the prompt lists, citing it; 150 tokens in, 40 out.
LlmReply AnswerFromFirstSource(const testing::LlmRecordedRequest& request) {
  LlmReply reply;
  reply.input_tokens = 150;
  reply.output_tokens = 40;
  const std::optional<std::string> id = testing::FirstSourceId(request.body);
  if (!id) {
    reply.text = "NO_ANSWER";
    return reply;
  }
  reply.text = absl::StrCat("The reflex checks every request before the orchestrator sees it [",
                            *id, "].");
  return reply;
}

std::string Describe(const v1::Task& task) {
  return absl::StrCat(v1::TaskState_Name(task.state()), " ",
                      v1::ErrorReason_Name(task.error().reason()), ": ", task.error().message());
}

class SpendLimits : public ::testing::Test {
 protected:
  void SetUp() override {
    auto llm = testing::LlmStandIn::Start();
    ASSERT_TRUE(llm.ok()) << llm.status();
    llm_ = *std::move(llm);
    llm_->SetResponder(&AnswerFromFirstSource);
    auto started = System::Start({OCTO_ARM_BIN, OCTO_ORCHESTRATOR_BIN, OCTO_REFLEX_BIN,
                                  OCTO_OCTOCTL_BIN});
    ASSERT_TRUE(started.ok()) << started.status();
    system_ = *std::move(started);
    std::map<std::string, std::string> model = {{"OCTO_LLM_PROVIDER", "openai"},
                                                {"OCTO_LLM_MODEL", "gpt-4o-mini"},
                                                {"OCTO_LLM_BASE_URL", llm_->base_url()},
                                                {"OCTO_LLM_MAX_ATTEMPTS", "1"}};
    model.insert(extra_model_env_.begin(), extra_model_env_.end());
    answerers_ = {&system_->Arm("answerer", {}, model), &system_->Arm("answerer", {}, model)};
    std::vector<const ServiceProcess*> arms = {&system_->Arm("retriever"),
                                               &system_->Arm("planner"), answerers_[0],
                                               answerers_[1]};
    for (int i = 0; i < 2; ++i) {
      ServiceProcess& orchestrator = system_->Orchestrator(arms);
      ASSERT_TRUE(system_->WaitForHealthyArms(orchestrator, 4).ok()) << system_->logs();
      const std::string reflex = system_->Reflex(orchestrator).address();
      reflexes_.push_back(std::make_unique<testing::TaskClient>(reflex));
      if (i == 0) reflex_address_ = reflex;
      if (i == 0) orchestrator_ = &orchestrator;
    }
    Ingest();
  }

  void TearDown() override {
    if (system_ != nullptr) {
      EXPECT_THAT(system_->StopAll(), ::testing::IsEmpty()) << "logs: " << system_->logs();
    }
  }

  void Ingest() {
    auto operations = v1::Operations::NewStub(
        grpc::CreateChannel(orchestrator_->address(), grpc::InsecureChannelCredentials()));
    v1::IngestDocumentsRequest ingest;
    v1::Document* document = ingest.add_documents();
    document->set_external_id("reflex.md");
    document->set_title("The reflex");
    document->set_body("The reflex is the ingress. It validates and authenticates every "
                       "request, applies rate limits and answers repeated questions from its "
                       "cache before the orchestrator sees them.");
    v1::IngestDocumentsResponse stored;
    grpc::ClientContext context;
    context.AddMetadata("x-octo-tenant", "dev");
    ASSERT_TRUE(operations->IngestDocuments(&context, ingest, &stored).ok());
  }

  // Asks `n` distinct questions at once, half through each reflex; the tasks once terminal.
  std::vector<v1::Task> AskConcurrently(int n, const std::string& tag) {
    std::vector<v1::Task> tasks(n);
    std::vector<std::thread> threads;
    for (int i = 0; i < n; ++i) {
      threads.emplace_back([&, i] {
        v1::TaskSpec spec;
        spec.set_goal(absl::StrCat("What does the reflex check (", tag, " ", i, ")?"));
        testing::TaskClient& client = *reflexes_[i % 2];
        auto submitted = client.Submit(spec);
        if (!submitted.ok()) {
          tasks[i].mutable_error()->set_message(std::string(submitted.status().message()));
          return;
        }
        auto task = client.AwaitTerminal(submitted->task().id());
        if (task.ok()) tasks[i] = *task;
      });
    }
    for (std::thread& t : threads) t.join();
    return tasks;
  }

  // What the ledger holds for tenant "dev": USD spent and calls.
  std::pair<double, int> Ledger() {
    pqxx::connection conn(system_->dsn());
    pqxx::work tx(conn);
    pqxx::row row = tx.exec1(
        "SELECT coalesce(sum(cost_usd), 0), count(*) FROM llm_spend WHERE tenant_id = 'dev'");
    return {row[0].as<double>(), row[1].as<int>()};
  }

  // The sum of a metric over both answerers' /metrics.
  double AnswererMetric(const std::string& name, const std::string& labels) {
    double sum = 0;
    for (const ServiceProcess* answerer : answerers_) {
      auto text = testing::HttpGet(answerer->metrics_port, "/metrics");
      EXPECT_TRUE(text.ok()) << text.status();
      if (text.ok()) sum += testing::MetricSum(*text, name, labels);
    }
    return sum;
  }

  std::unique_ptr<testing::LlmStandIn> llm_;
  std::unique_ptr<System> system_;
  std::vector<const ServiceProcess*> answerers_;
  const ServiceProcess* orchestrator_ = nullptr;
  std::vector<std::unique_ptr<testing::TaskClient>> reflexes_;
  std::string reflex_address_;
  // More settings of the answerers (a derived fixture sets them before SetUp).
  std::map<std::string, std::string> extra_model_env_;
};

TEST_F(SpendLimits, ADailyLimitHoldsAcrossReplicasAndSurvivesRedisLosingItsTotals) {
  auto set = system_->Octoctl(
      {"admin", "set-limit", "dev", absl::StrCat("--usd-per-day=", kLimitUsd)});
  ASSERT_TRUE(set.ok()) << set.status();
  EXPECT_THAT(*set, HasSubstr("tenant dev: $0.0020 per day"));

  std::vector<v1::Task> tasks = AskConcurrently(24, "first");
  int succeeded = 0;
  int refused = 0;
  for (const v1::Task& task : tasks) {
    if (task.state() == v1::TASK_STATE_SUCCEEDED) {
      ++succeeded;
      EXPECT_EQ(task.result().provenance().model(), "gpt-4o-mini");
      continue;
    }
    ASSERT_EQ(task.state(), v1::TASK_STATE_FAILED) << Describe(task);
    ASSERT_EQ(task.error().reason(), v1::ERROR_REASON_SPEND_LIMIT) << Describe(task);
    EXPECT_THAT(task.error().message(),
                HasSubstr("\"dev\" reached its spend limit of $0.0020 per day"));
    EXPECT_THAT(task.error().message(), HasSubstr("T00:00:00Z"));  // when it resets
    ++refused;
  }
  // Each answer costs $0.0000465 and is held at ~$0.0003 (512 tokens out at most).
  EXPECT_GE(succeeded, 3);
  EXPECT_GE(refused, 1);
  // Some were refused for what others held at the time; one at a time, the tenant runs until
  // what it spent leaves no room for one more call's estimate.
  bool full = false;
  for (int i = 0; i < 40 && !full; ++i) {
    v1::Task task = AskConcurrently(1, absl::StrCat("one-by-one-", i))[0];
    if (task.state() == v1::TASK_STATE_SUCCEEDED) {
      ++succeeded;
    } else {
      ASSERT_EQ(task.error().reason(), v1::ERROR_REASON_SPEND_LIMIT) << Describe(task);
      full = true;
    }
  }
  ASSERT_TRUE(full);
  auto [spent, calls] = Ledger();
  EXPECT_EQ(calls, succeeded);
  EXPECT_EQ(static_cast<int>(llm_->requests().size()), succeeded)
      << "a refused call reached the model";
  EXPECT_LE(spent, kLimitUsd);
  EXPECT_NEAR(AnswererMetric("octo_llm_spend_usd_total", "tenant=\"dev\""), spent, 1e-9);
  EXPECT_GE(AnswererMetric("octo_spend_refusals_total", "tenant=\"dev\""), refused + 1);

  // Redis loses everything (an empty server on the same port): the totals come back from
  // the ledger, so the tenant is still at its limit.
  // Whether an arm still waits to reconnect (the ledger decides alone then) or has rebuilt
  // its totals from the ledger, the tenant is at its limit.
  ASSERT_TRUE(system_->redis().Restart().ok());
  for (const v1::Task& task : AskConcurrently(4, "after-restart")) {
    EXPECT_EQ(task.error().reason(), v1::ERROR_REASON_SPEND_LIMIT) << Describe(task);
  }
  EXPECT_EQ(Ledger().second, calls);

  auto shown = system_->Octoctl({"admin", "limits", "dev"});
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_THAT(*shown, HasSubstr(absl::StrCat("in ", calls, " calls")));

  // Without the limit, tasks run again.
  ASSERT_TRUE(system_->Octoctl({"admin", "set-limit", "dev", "--usd-per-day=none"}).ok());
  absl::SleepFor(absl::Milliseconds(1500));  // the arms read limits at most 1 s old
  for (const v1::Task& task : AskConcurrently(2, "unlimited")) {
    EXPECT_EQ(task.state(), v1::TASK_STATE_SUCCEEDED) << Describe(task);
  }
}

// The answerers' chain prefers gpt-4o and falls back to gpt-4o-mini when the budget is low.
class DegradedAnswers : public SpendLimits {
 protected:
  void SetUp() override {
    char name[] = "/tmp/octo-e2e-catalog-XXXXXX";
    const int fd = mkstemp(name);
    ASSERT_GE(fd, 0);
    close(fd);
    catalog_path_ = name;
    std::ofstream(catalog_path_) << R"({
      "models": {"gpt-4o": {"input_per_mtok": 2.5, "output_per_mtok": 10, "tier": "premium"},
                 "gpt-4o-mini": {"input_per_mtok": 0.15, "output_per_mtok": 0.6, "tier": "economy"}},
      "chains": {"answer": [{"model": "gpt-4o"}, {"model": "gpt-4o-mini", "on": ["budget_low"]}]}})";
    extra_model_env_ = {{"OCTO_LLM_CATALOG", catalog_path_}};
    SpendLimits::SetUp();
  }
  void TearDown() override {
    SpendLimits::TearDown();
    std::remove(catalog_path_.c_str());
  }
  std::string catalog_path_;
};

TEST_F(DegradedAnswers, ATenantNearItsLimitGetsTheCheapModelAndATinyTaskBudgetFailsWithItsReason) {
  // Without a limit the preferred model answers.
  v1::Task preferred = AskConcurrently(1, "preferred")[0];
  ASSERT_EQ(preferred.state(), v1::TASK_STATE_SUCCEEDED) << Describe(preferred);
  EXPECT_EQ(preferred.result().provenance().model(), "gpt-4o");
  EXPECT_EQ(preferred.result().provenance().tier(), "premium");

  // An answer may cost up to ~$0.006 with gpt-4o (512 tokens out) and ~$0.0004 with
  // gpt-4o-mini: under $0.004 a day only the cheap model fits.
  ASSERT_TRUE(system_->Octoctl({"admin", "set-limit", "dev", "--usd-per-day=0.004"}).ok());
  absl::SleepFor(absl::Milliseconds(1500));  // the arms read limits at most 1 s old
  v1::Task degraded = AskConcurrently(1, "degraded")[0];
  ASSERT_EQ(degraded.state(), v1::TASK_STATE_SUCCEEDED) << Describe(degraded);
  const v1::Provenance& p = degraded.result().provenance();
  EXPECT_EQ(p.model(), "gpt-4o-mini");
  ASSERT_EQ(p.passed_over_size(), 1);
  EXPECT_EQ(p.passed_over(0).model(), "gpt-4o");
  EXPECT_EQ(p.passed_over(0).reason(), "budget_low");
  auto shown = system_->Octoctl({"--addr=" + reflex_address_, "get", degraded.id()});
  ASSERT_TRUE(shown.ok()) << shown.status();
  EXPECT_THAT(*shown, HasSubstr("openai gpt-4o-mini [economy] at endpoint default"));
  EXPECT_THAT(*shown, HasSubstr("passed over gpt-4o (default): budget_low: tenant \"dev\""));
  EXPECT_GE(AnswererMetric("octo_llm_fallbacks_total", "reason=\"budget_low\""), 1);
  // The ledger holds what ran: the premium answer and the cheap one.
  pqxx::connection conn(system_->dsn());
  pqxx::work tx(conn);
  EXPECT_EQ(tx.exec1("SELECT string_agg(model, ',' ORDER BY created_at) FROM llm_spend "
                     "WHERE tenant_id = 'dev'")[0]
                .as<std::string>(),
            "gpt-4o,gpt-4o-mini");
  tx.commit();

  // A task whose cost budget no model of the chain fits is not answered at all.
  v1::TaskSpec spec;
  spec.set_goal("What does the reflex check (tiny budget)?");
  spec.mutable_budget()->set_max_cost_usd(0.0001);
  auto submitted = reflexes_[0]->Submit(spec);
  ASSERT_TRUE(submitted.ok()) << submitted.status();
  auto task = reflexes_[0]->AwaitTerminal(submitted->task().id());
  ASSERT_TRUE(task.ok()) << task.status();
  EXPECT_EQ(task->state(), v1::TASK_STATE_FAILED) << Describe(*task);
  EXPECT_EQ(task->error().reason(), v1::ERROR_REASON_BUDGET_EXCEEDED) << Describe(*task);
  EXPECT_THAT(task->error().message(), HasSubstr("cost budget left"));
  EXPECT_EQ(llm_->requests().size(), 2u);
}

}  // namespace
}  // namespace octo
