// octo-arm: serves one arm kind (--arm=retriever|executor|planner|judge|answerer|coder) over gRPC.
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "octo/common/log.h"
#include "octo/rpc/process.h"
#include "octo/redis/options.h"
#include "octo/redis/pool.h"
#include "octo/spend/spend_gate.h"
#include "octo/store/pg_pool.h"
#include "octo/store/spend_repository.h"
#include "octo/telemetry/metrics.h"
#include "src/answerer/answerer.h"
#include "src/executor/executor.h"
#include "src/guardian/guardian.h"
#include "src/options.h"
#include "src/judge/judge.h"
#include "src/coder/coder.h"
#include "src/planner/heuristic_planner.h"
#include "src/planner/planner.h"
#include "src/retriever/retriever.h"
#include "src/runtime/arm_service.h"

int main(int argc, char** argv) {
  using octo::log::Fatal;
  octo::rpc::PrepareServerProcess();
  octo::arms::Options config;
  octo::rpc::LoadOptionsOrExit({"octo-arm", "Serves one OctoLLM arm kind over gRPC."}, argc,
                               argv, config);

  auto metrics = octo::rpc::MetricsEndpoint::StartOrExit(config.process);
  std::shared_ptr<octo::store::PgPool> pool;
  std::unique_ptr<octo::arms::ArmModel> model;
  std::unique_ptr<octo::store::DocumentRepository> documents;
  std::unique_ptr<octo::arms::ArmHandler> handler;
  std::unique_ptr<octo::redis::Pool> redis;
  std::unique_ptr<octo::store::SpendRepository> ledger;
  std::unique_ptr<octo::spend::SpendGate> spend_gate;
  if (!config.database_url.empty()) {
    auto opened = octo::store::OpenPgPool({config.database_url, config.database_pool});
    if (!opened.ok()) Fatal(opened.status());
    pool = *opened;
  }
  if (config.arm == "planner" || config.arm == "answerer" || config.arm == "judge" ||
      config.arm == "coder") {
    auto opened = octo::arms::ArmModel::Open(config.llm, config.llm_catalog, &metrics.registry());
    if (!opened.ok()) Fatal(opened.status());
    model = *std::move(opened);
    if (!model->offline() && pool != nullptr && !config.redis.empty()) {
      auto address = octo::redis::ParseRedisAddress(config.redis);
      if (!address.ok()) Fatal(address.status());
      redis = std::make_unique<octo::redis::Pool>(*address);
      auto repo = octo::store::NewPgSpendRepository(pool);
      if (!repo.ok()) Fatal(repo.status());
      ledger = *std::move(repo);
      spend_gate = octo::spend::NewSpendGate(*redis, *ledger, {.key_prefix = address->key_prefix});
      model->set_spend_gate(spend_gate.get());
    } else if (!model->offline()) {
      octo::log::Warn("spend limits are not held: no database_url and redis");
    }
  }
  if (config.arm == "retriever") {
    auto repo = octo::store::NewPgDocumentRepository(pool);
    if (!repo.ok()) Fatal(repo.status());
    documents = *std::move(repo);
    handler = octo::arms::NewRetriever(*documents);
  } else if (config.arm == "executor") {
    octo::arms::ExecutorOptions options;
    options.allow = absl::StrSplit(config.exec_allow, ',', absl::SkipWhitespace());
    options.limits.timeout = config.exec_timeout;
    options.limits.max_output_bytes = static_cast<size_t>(config.exec_max_output_bytes);
    auto executor = octo::arms::NewExecutor(options);
    if (!executor.ok()) Fatal(executor.status());
    handler = *std::move(executor);
  } else if (config.arm == "planner") {
    octo::arms::HeuristicPlannerOptions planner_options;
    // The executor's allow-list tells the planner which words are programs.
    planner_options.programs = absl::StrSplit(config.exec_allow, ',', absl::SkipWhitespace());
    octo::arms::PlannerArmOptions arm_options;
    arm_options.default_max_steps = config.planner_max_steps;
    arm_options.model = model.get();
    arm_options.max_plan_tokens = config.plan_max_tokens;
    handler = octo::arms::NewPlannerArm(octo::arms::NewHeuristicPlanner(planner_options),
                                        arm_options);
  } else if (config.arm == "coder") {
    handler = octo::arms::NewCoder(*model, {.max_code_tokens = config.code_max_tokens,
                                            .max_repairs = config.code_max_repairs});
  } else if (config.arm == "guardian") {
    handler = octo::arms::NewGuardian();
  } else if (config.arm == "answerer") {
    handler = octo::arms::NewAnswerer(*model, {.max_answer_tokens = config.answer_max_tokens});
  } else {  // judge: Validate accepts no other kind
    // Open criteria go to the model when there is one, else to keyword coverage.
    handler = octo::arms::NewJudgeArm(
        model->offline() ? octo::arms::NewKeywordJudge(config.judge_min_coverage)
                         : octo::arms::NewModelJudge(*model));
  }

  octo::arms::ArmServiceOptions service_options;
  service_options.max_concurrency = config.max_concurrency;
  service_options.version = OCTO_VERSION;
  service_options.instance = octo::rpc::InstanceId();
  octo::arms::ArmService service(std::move(handler), service_options, metrics.registry());

  octo::rpc::ServerOptions server_options = config.process.server();
  server_options.max_sync_threads = config.max_concurrency + 16;
  const std::string detail =
      model == nullptr ? config.arm
      : model->offline()
          ? absl::StrCat(config.arm, " (offline)")
          : absl::StrCat(config.arm, " (", model->Describe(), ")");
  return octo::rpc::ServeOrExit("arm", server_options, {&service}, metrics, {"kind", detail});
}
