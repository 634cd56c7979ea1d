// octo-arm: serves one arm kind (--arm=retriever|executor|planner|judge) over gRPC.
#include <unistd.h>

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "octo/common/config.h"
#include "octo/common/log.h"
#include "octo/rpc/server.h"
#include "octo/store/pg_pool.h"
#include "octo/telemetry/metrics.h"
#include "src/executor/executor.h"
#include "src/judge/judge.h"
#include "src/planner/heuristic_planner.h"
#include "src/planner/planner.h"
#include "src/retriever/retriever.h"
#include "src/runtime/arm_service.h"

namespace {

using octo::log::Fatal;

struct Config {
  std::string arm;                                   // required
  std::string listen = "127.0.0.1:50061";
  std::string metrics_listen = "127.0.0.1:9111";
  std::string database_url;                          // retriever only
  int database_pool = 8;
  int max_concurrency = 32;
  std::string exec_allow = "echo,cat,wc,head,tail,sort,uniq,grep,date,sleep,true,false";
  absl::Duration exec_timeout = absl::Seconds(30);
  int exec_max_output_bytes = 64 << 10;
  int planner_max_steps = 8;                         // when a request sets none
  double judge_min_coverage = 0.6;                   // keyword share for free-form criteria
  absl::Duration drain_timeout = absl::Seconds(20);
  std::string log_level = "info";
};

}  // namespace

int main(int argc, char** argv) {
  octo::rpc::PrepareServerProcess();
  Config config;
  octo::common::ConfigBinder binder("octo-arm", "Serves one OctoLLM arm kind over gRPC.");
  binder.Bind("arm", "OCTO_ARM", &config.arm, "arm kind: retriever | executor | planner | judge");
  binder.Bind("listen", "OCTO_ARM_LISTEN", &config.listen, "gRPC listen address");
  binder.Bind("metrics_listen", "OCTO_ARM_METRICS_LISTEN", &config.metrics_listen,
              "Prometheus /metrics address");
  binder.Bind("database_url", "OCTO_DATABASE_URL", &config.database_url,
              "Postgres DSN (retriever)");
  binder.Bind("database_pool", "OCTO_DATABASE_POOL", &config.database_pool,
              "Postgres connections");
  binder.Bind("max_concurrency", "OCTO_ARM_MAX_CONCURRENCY", &config.max_concurrency,
              "concurrent Execute calls before RESOURCE_EXHAUSTED");
  binder.Bind("exec_allow", "OCTO_EXEC_ALLOW", &config.exec_allow,
              "comma-separated programs the executor may run");
  binder.Bind("exec_timeout", "OCTO_EXEC_TIMEOUT", &config.exec_timeout,
              "wall-time limit of one program");
  binder.Bind("exec_max_output_bytes", "OCTO_EXEC_MAX_OUTPUT_BYTES",
              &config.exec_max_output_bytes, "stdout/stderr bytes kept per program");
  binder.Bind("planner_max_steps", "OCTO_PLANNER_MAX_STEPS", &config.planner_max_steps,
              "plan size limit when a request sets none (planner)");
  binder.Bind("judge_min_coverage", "OCTO_JUDGE_MIN_COVERAGE", &config.judge_min_coverage,
              "share of key words a free-form criterion needs (judge)");
  binder.Bind("drain_timeout", "OCTO_DRAIN_TIMEOUT", &config.drain_timeout,
              "grace period for in-flight calls on SIGTERM");
  binder.Bind("log_level", "OCTO_LOG_LEVEL", &config.log_level, "debug | info | warn | error");
  binder.ParseOrExit(argc, argv);

  octo::log::InitOrExit(absl::StrCat("arm-", config.arm), config.log_level);
  if (config.max_concurrency < 1) Fatal(absl::InvalidArgumentError("max_concurrency: must be >= 1"));

  std::shared_ptr<octo::store::PgPool> pool;
  std::unique_ptr<octo::store::DocumentRepository> documents;
  std::unique_ptr<octo::arms::ArmHandler> handler;
  if (config.arm == "retriever") {
    if (config.database_url.empty()) {
      Fatal(absl::InvalidArgumentError("database_url (OCTO_DATABASE_URL): required by retriever"));
    }
    auto opened = octo::store::OpenPgPool({config.database_url, config.database_pool});
    if (!opened.ok()) Fatal(opened.status());
    pool = *opened;
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
    if (config.planner_max_steps < 1 || config.planner_max_steps > octo::arms::kMaxPlanSteps) {
      Fatal(absl::InvalidArgumentError(absl::StrCat("planner_max_steps: must be between 1 and ",
                                                    octo::arms::kMaxPlanSteps)));
    }
    octo::arms::HeuristicPlannerOptions planner_options;
    // The executor's allow-list tells the planner which words are programs.
    planner_options.programs = absl::StrSplit(config.exec_allow, ',', absl::SkipWhitespace());
    octo::arms::PlannerArmOptions arm_options;
    arm_options.default_max_steps = config.planner_max_steps;
    handler = octo::arms::NewPlannerArm(octo::arms::NewHeuristicPlanner(planner_options),
                                        arm_options);
  } else if (config.arm == "judge") {
    if (!(config.judge_min_coverage > 0 && config.judge_min_coverage <= 1)) {
      Fatal(absl::InvalidArgumentError("judge_min_coverage: must be in (0, 1]"));
    }
    handler = octo::arms::NewJudgeArm(octo::arms::NewKeywordJudge(config.judge_min_coverage));
  } else {
    Fatal(absl::InvalidArgumentError(
        absl::StrCat("arm: unknown kind \"", config.arm,
                     "\" (available: retriever, executor, planner, judge)")));
  }

  auto registry = std::make_shared<prometheus::Registry>();
  auto metrics = octo::telemetry::StartMetricsServer(config.metrics_listen, registry);
  if (!metrics.ok()) Fatal(metrics.status());

  char host[256] = {0};
  gethostname(host, sizeof(host) - 1);
  octo::arms::ArmServiceOptions service_options;
  service_options.max_concurrency = config.max_concurrency;
  service_options.version = OCTO_VERSION;
  service_options.instance = absl::StrCat(host, ":", getpid());
  octo::arms::ArmService service(std::move(handler), service_options, *registry);

  octo::rpc::ServerOptions server_options;
  server_options.listen = config.listen;
  server_options.drain_timeout = config.drain_timeout;
  server_options.max_sync_threads = config.max_concurrency + 16;
  auto server = octo::rpc::ServerHost::Start(server_options, {&service}, *registry);
  if (!server.ok()) Fatal(server.status());
  octo::log::Info("arm serving", {{"kind", config.arm},
                                  {"grpc_port", absl::StrCat((*server)->port())},
                                  {"metrics_port", absl::StrCat((*metrics)->port())}});
  octo::rpc::WaitForShutdownSignal();
  (*server)->Shutdown();
  octo::log::Info("arm stopped");
  return 0;
}
