// octoctl: command-line client of OctoLLM (talks to the reflex by default).
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/clock.h"
#include "google/protobuf/util/json_util.h"
#include "google/protobuf/util/time_util.h"
#include "grpcpp/client_context.h"
#include "absl/strings/numbers.h"
#include "octo/cache/redis_cache.h"
#include "octo/common/config.h"
#include "octo/rpc/channel.h"
#include "octo/rpc/metadata.h"
#include "octo/task/spec.h"
#include "octo/store/pg_pool.h"
#include "octo/store/spend_repository.h"
#include "octo/store/tenant_repository.h"
#include "spend_admin.h"
#include "octo/v1/operations.grpc.pb.h"
#include "octo/v1/task_service.grpc.pb.h"

namespace {

constexpr char kUsage[] = R"(Commands:
  submit GOAL [--capability C] [--context TEXT] [--priority low|medium|high|critical]
              [--exec "PROGRAM ARGS..."] [--idempotency_key K] [--deadline 30s] [--wait]
  get TASK_ID
  watch TASK_ID [--from_seq N]
  cancel TASK_ID [--reason TEXT]
  list [--state pending|planning|running|succeeded|failed|cancelled] [--page_size N]
       [--page_token T]
  ingest FILE...        store files as documents (talks to --orchestrator)
  arms                  list arm endpoints with live figures (talks to --orchestrator)

Administration (talks to Postgres at --database_url, Redis at --redis):
  admin create-tenant TENANT [--name N] [--tier T] [--redaction typed_mask|hash|keep_last4|remove]
  admin create-key TENANT [--name N]      prints the new API key once
  admin revoke-key TENANT KEY_ID
  admin invalidate TENANT GOAL            drop a cached result from every reflex
  admin set-limit TENANT [--usd-per-minute X] [--usd-per-day X] [--usd-per-month X]
                  [--tokens-per-minute N] [--tokens-per-day N] [--tokens-per-month N]
                                          spend limits on language models per UTC window;
                                          "none" removes one
  admin limits TENANT                     each limit, what was spent in its window, its reset

Exit status: 0 done, 1 the call failed, 2 bad usage, 3 `submit --wait` saw the task end
FAILED or CANCELLED (the task is printed first).
)";

struct Config {
  std::string addr = "dns:///127.0.0.1:50051";
  std::string orchestrator = "dns:///127.0.0.1:50052";
  std::string tenant = "dev";
  bool json = false;
  absl::Duration timeout = absl::Seconds(30);
  std::string capability;
  std::string context;
  std::string priority;
  std::string exec;
  std::string idempotency_key;
  absl::Duration deadline = absl::ZeroDuration();
  bool wait = false;
  int from_seq = 0;
  std::string reason;
  std::string state;
  int page_size = 0;
  std::string page_token;
  std::string api_key;
  std::string database_url;
  std::string redis = "127.0.0.1:6379";
  std::string invalidation_channel = "octo:cache:invalidate";
  std::string name;
  std::string tier = "standard";
  std::string redaction = "typed_mask";
};

Config config;

void PrintJson(const google::protobuf::Message& message) {
  std::string out;
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = false;
  options.preserve_proto_field_names = true;
  (void)google::protobuf::util::MessageToJsonString(message, &out, options);
  std::cout << out << "\n";
}

std::string Time(const google::protobuf::Timestamp& ts) {
  if (ts.seconds() == 0 && ts.nanos() == 0) return "-";
  return google::protobuf::util::TimeUtil::ToString(ts);
}

std::string StepStateName(octo::v1::StepState state) {
  std::string name = octo::v1::StepState_Name(state);
  return name.substr(std::string("STEP_STATE_").size());
}

void PrintTask(const octo::v1::Task& task) {
  std::cout << "task     " << task.id() << "\n"
            << "state    " << octo::task::StateName(task.state()) << "\n"
            << "goal     " << task.spec().goal() << "\n"
            << "created  " << Time(task.created_at()) << "\n";
  if (task.has_finished_at()) std::cout << "finished " << Time(task.finished_at()) << "\n";
  for (const auto& step : task.steps()) {
    std::cout << absl::StrFormat("step %-4s %-10s %-10s attempts=%d arm=%s\n", step.id(),
                                 step.capability(), StepStateName(step.state()), step.attempts(),
                                 step.arm());
  }
  if (task.has_error() && !task.error().message().empty()) {
    std::cout << "error    " << octo::v1::ErrorReason_Name(task.error().reason()) << ": "
              << task.error().message() << "\n";
  }
  if (const octo::v1::Usage& usage = task.usage(); usage.total_tokens() > 0) {
    std::cout << absl::StrFormat("usage    %d tokens (%d in, %d out), ", usage.total_tokens(),
                                 usage.prompt_tokens(), usage.completion_tokens())
              << (usage.cost_unknown() ? absl::StrFormat("cost unknown (at least $%.6f)",
                                                         usage.cost_usd())
                                       : absl::StrFormat("$%.6f", usage.cost_usd()))
              << "\n";
  }
  if (const octo::v1::Provenance& p = task.result().provenance(); !p.arm_kind().empty()) {
    std::cout << "answered by " << p.arm_kind()
              << (p.method().empty() ? "" : absl::StrCat(" (", p.method(), ")"))
              << (p.model().empty() ? "" : absl::StrCat(", ", p.provider(), " ", p.model()))
              << (p.tier().empty() ? "" : absl::StrCat(" [", p.tier(), "]"))
              << (p.endpoint().empty() ? "" : absl::StrCat(" at endpoint ", p.endpoint()))
              << "\n";
    for (const octo::v1::PassedOver& skipped : p.passed_over()) {
      std::cout << "  passed over " << skipped.model() << " (" << skipped.endpoint()
                << "): " << skipped.reason() << ": " << skipped.detail() << "\n";
    }
  }
  if (!task.result().text().empty()) std::cout << "result\n" << task.result().text() << "\n";
  const auto& citations = task.result().output().answer().citations();
  if (!citations.empty()) {
    std::cout << "sources\n";
    for (const octo::v1::Citation& c : citations) {
      std::cout << "  [" << c.source_id() << "] " << c.title() << "\n";
    }
  }
}

void PrintEvent(const octo::v1::TaskEvent& event) {
  std::string kind = octo::v1::TaskEventKind_Name(event.kind()).substr(16);
  std::cout << absl::StrFormat("%4d %s %-16s %-10s %s\n", event.seq(), Time(event.time()), kind,
                               octo::task::StateName(event.state()), event.message());
}

int Fail(const grpc::Status& status) {
  std::cerr << "error: " << absl::StatusCodeToString(static_cast<absl::StatusCode>(status.error_code()))
            << ": " << status.error_message() << "\n";
  return 1;
}

std::unique_ptr<grpc::ClientContext> Context(bool stream = false) {
  auto context = std::make_unique<grpc::ClientContext>();
  if (!stream) context->set_deadline(absl::ToChronoTime(absl::Now() + config.timeout));
  context->AddMetadata(octo::rpc::kTenantHeader, config.tenant);
  if (!config.api_key.empty()) context->AddMetadata("authorization", "Bearer " + config.api_key);
  return context;
}

int Watch(octo::v1::TaskService::Stub& stub, const std::string& id, int64_t from) {
  octo::v1::WatchTaskRequest request;
  request.set_task_id(id);
  request.set_from_seq(from);
  auto context = Context(/*stream=*/true);
  auto reader = stub.WatchTask(context.get(), request);
  octo::v1::TaskEvent event;
  while (reader->Read(&event)) {
    if (config.json) PrintJson(event); else PrintEvent(event);
  }
  grpc::Status status = reader->Finish();
  return status.ok() ? 0 : Fail(status);
}

// Exit status of `submit --wait` when the task ended other than SUCCEEDED.
constexpr int kTaskNotSucceeded = 3;

// Prints the task; with `require_success`, exits kTaskNotSucceeded unless it SUCCEEDED.
int Get(octo::v1::TaskService::Stub& stub, const std::string& id, bool require_success = false) {
  octo::v1::GetTaskRequest request;
  request.set_task_id(id);
  octo::v1::Task task;
  auto context = Context();
  grpc::Status status = stub.GetTask(context.get(), request, &task);
  if (!status.ok()) return Fail(status);
  if (config.json) PrintJson(task); else PrintTask(task);
  if (require_success && task.state() != octo::v1::TASK_STATE_SUCCEEDED) return kTaskNotSucceeded;
  return 0;
}

bool ParsePriority(const std::string& text, octo::v1::Priority* priority) {
  const std::string name = absl::StrCat("PRIORITY_", absl::AsciiStrToUpper(text));
  return octo::v1::Priority_Parse(name, priority);
}

int Submit(octo::v1::TaskService::Stub& stub, const std::vector<std::string>& args) {
  if (args.size() < 2) {
    std::cerr << "submit: GOAL is required\n";
    return 2;
  }
  octo::v1::SubmitTaskRequest request;
  auto* spec = request.mutable_spec();
  spec->set_goal(absl::StrJoin(args.begin() + 1, args.end(), " "));
  spec->set_context(config.context);
  if (!config.capability.empty()) spec->add_required_capabilities(config.capability);
  if (!config.priority.empty()) {
    octo::v1::Priority priority;
    if (!ParsePriority(config.priority, &priority)) {
      std::cerr << "--priority: expected low, medium, high or critical\n";
      return 2;
    }
    spec->set_priority(priority);
  }
  if (!config.exec.empty()) {
    std::istringstream words(config.exec);
    std::string word;
    bool first = true;
    while (words >> word) {
      if (first) spec->mutable_exec()->set_program(word); else spec->mutable_exec()->add_args(word);
      first = false;
    }
  }
  if (config.deadline > absl::ZeroDuration()) {
    spec->mutable_budget()->mutable_deadline()->set_seconds(absl::ToInt64Seconds(config.deadline));
  }
  request.set_idempotency_key(config.idempotency_key);
  octo::v1::SubmitTaskResponse response;
  auto context = Context();
  grpc::Status status = stub.SubmitTask(context.get(), request, &response);
  if (!status.ok()) return Fail(status);
  if (config.json) {
    PrintJson(response);
  } else {
    std::cout << "submitted " << response.task().id()
              << (response.cache_hit() ? " (cache hit)" : "")
              << (!response.cache_hit() && !response.created() ? " (existing task)" : "") << "\n";
  }
  if (!config.wait) return 0;
  if (!octo::task::IsTerminal(response.task().state())) {
    if (int rc = Watch(stub, response.task().id(), 0); rc != 0) return rc;
  }
  return Get(stub, response.task().id(), /*require_success=*/true);
}

int Ingest(const std::vector<std::string>& args) {
  auto stub = octo::v1::Operations::NewStub(octo::rpc::MakeChannel(config.orchestrator));
  octo::v1::IngestDocumentsRequest request;
  for (size_t i = 1; i < args.size(); ++i) {
    std::ifstream in(args[i], std::ios::binary);
    if (!in) {
      std::cerr << "ingest: cannot read " << args[i] << "\n";
      return 2;
    }
    std::stringstream body;
    body << in.rdbuf();
    auto* doc = request.add_documents();
    doc->set_external_id(args[i]);
    doc->set_title(args[i]);
    doc->set_body(body.str());
  }
  octo::v1::IngestDocumentsResponse response;
  auto context = Context();
  grpc::Status status = stub->IngestDocuments(context.get(), request, &response);
  if (!status.ok()) return Fail(status);
  if (config.json) PrintJson(response); else std::cout << "stored " << response.stored() << "\n";
  return 0;
}

int Arms() {
  auto stub = octo::v1::Operations::NewStub(octo::rpc::MakeChannel(config.orchestrator));
  octo::v1::ListArmsResponse response;
  auto context = Context();
  grpc::Status status = stub->ListArms(context.get(), octo::v1::ListArmsRequest(), &response);
  if (!status.ok()) return Fail(status);
  if (config.json) return PrintJson(response), 0;
  for (const auto& arm : response.arms()) {
    std::cout << absl::StrFormat("%-32s %-10s %-8s calls=%d failures=%d ewma=%.1fms caps=%s\n",
                                 arm.endpoint(), arm.description().kind(),
                                 arm.healthy() ? "healthy" : "DOWN", arm.calls(), arm.failures(),
                                 arm.latency_ewma_ms(),
                                 absl::StrJoin(arm.description().capabilities(), ","));
  }
  return 0;
}

octoctl::SpendFlags spend_flags;

int Admin(const std::vector<std::string>& args) {
  auto usage = [] {
    std::cerr << kUsage;
    return 2;
  };
  if (args.size() < 2) return usage();
  const std::string& what = args[1];
  if (what == "invalidate") {
    if (args.size() < 4) return usage();
    auto redis = octo::cache::ParseRedisAddress(config.redis);
    if (!redis.ok()) {
      std::cerr << "--redis: " << redis.status().message() << "\n";
      return 2;
    }
    octo::v1::TaskSpec spec;
    spec.set_goal(absl::StrJoin(args.begin() + 3, args.end(), " "));
    const std::string key = octo::task::TaskCacheKey(args[2], spec);
    octo::cache::NewRedisCache(*redis)->Erase(key);
    octo::cache::NewRedisInvalidator(*redis, config.invalidation_channel)->Publish(key);
    std::cout << "invalidated " << key << "\n";
    return 0;
  }
  if (config.database_url.empty()) {
    std::cerr << "admin: --database_url (OCTO_DATABASE_URL) is required\n";
    return 2;
  }
  auto pool = octo::store::OpenPgPool({.dsn = config.database_url, .size = 1});
  if (!pool.ok()) {
    std::cerr << "error: " << pool.status() << "\n";
    return 1;
  }
  auto tenants = octo::store::NewPgTenantRepository(*pool);
  if (!tenants.ok()) {
    std::cerr << "error: " << tenants.status() << "\n";
    return 1;
  }
  auto fail = [](const absl::Status& status) {
    std::cerr << "error: " << status << "\n";
    return 1;
  };
  if (what == "create-tenant" && args.size() == 3) {
    octo::store::Tenant tenant{args[2], config.name, config.tier, config.redaction};
    if (auto status = (*tenants)->UpsertTenant(tenant); !status.ok()) return fail(status);
    std::cout << "tenant " << tenant.id << " (tier " << tenant.tier << ", redaction "
              << tenant.redaction << ")\n";
    return 0;
  }
  if (what == "create-key" && args.size() == 3) {
    auto created = (*tenants)->CreateApiKey(args[2], config.name);
    if (!created.ok()) return fail(created.status());
    if (config.json) {
      std::cout << absl::StrFormat(R"({"key_id":%d,"tenant":"%s","prefix":"%s","key":"%s"})",
                                   created->key.id, created->key.tenant_id, created->key.prefix,
                                   created->raw_key)
                << "\n";
    } else {
      std::cout << "key " << created->key.id << " for tenant " << created->key.tenant_id
                << " (shown once, store it now):\n"
                << created->raw_key << "\n";
    }
    return 0;
  }
  if ((what == "set-limit" || what == "limits") && args.size() == 3) {
    auto spend = octo::store::NewPgSpendRepository(*pool);
    if (!spend.ok()) return fail(spend.status());
    return what == "limits" ? octoctl::ShowLimits(**spend, args[2], config.json)
                            : octoctl::SetLimits(**spend, args[2], spend_flags, config.redis);
  }
  if (what == "revoke-key" && args.size() == 4) {
    int64_t id = 0;
    if (!absl::SimpleAtoi(args[3], &id)) return usage();
    if (auto status = (*tenants)->RevokeApiKey(args[2], id); !status.ok()) return fail(status);
    std::cout << "revoked key " << id << "\n";
    return 0;
  }
  return usage();
}

int Cancel(octo::v1::TaskService::Stub& stub, const std::string& id) {
  octo::v1::CancelTaskRequest request;
  request.set_task_id(id);
  request.set_reason(config.reason);
  octo::v1::Task task;
  auto context = Context();
  grpc::Status status = stub.CancelTask(context.get(), request, &task);
  if (!status.ok()) return Fail(status);
  config.json ? PrintJson(task) : PrintTask(task);
  return 0;
}

int List(octo::v1::TaskService::Stub& stub) {
  octo::v1::ListTasksRequest request;
  if (!config.state.empty()) {
    octo::v1::TaskState state;
    if (!octo::v1::TaskState_Parse(absl::StrCat("TASK_STATE_", absl::AsciiStrToUpper(config.state)),
                                   &state)) {
      std::cerr << "--state: unknown state " << config.state << "\n";
      return 2;
    }
    request.set_state(state);
  }
  request.set_page_size(config.page_size);
  request.set_page_token(config.page_token);
  octo::v1::ListTasksResponse response;
  auto context = Context();
  grpc::Status status = stub.ListTasks(context.get(), request, &response);
  if (!status.ok()) return Fail(status);
  if (config.json) return PrintJson(response), 0;
  for (const auto& task : response.tasks()) {
    std::cout << absl::StrFormat("%s  %-10s %s  %s\n", task.id(),
                                 octo::task::StateName(task.state()), Time(task.created_at()),
                                 task.spec().goal().substr(0, 60));
  }
  if (!response.next_page_token().empty()) {
    std::cout << "next page: --page_token " << response.next_page_token() << "\n";
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  octo::common::ConfigBinder binder("octoctl", std::string("OctoLLM command-line client.\n\n") + kUsage);
  binder.Bind("addr", "OCTO_ADDR", &config.addr, "reflex gRPC target");
  binder.Bind("orchestrator", "OCTO_ORCHESTRATOR_ADDR", &config.orchestrator,
              "orchestrator gRPC target (ingest, arms)");
  binder.Bind("tenant", "OCTO_TENANT", &config.tenant,
              "tenant header sent when talking to the orchestrator directly");
  binder.Bind("api_key", "OCTO_API_KEY", &config.api_key, "API key sent to the reflex");
  binder.Bind("database_url", "OCTO_DATABASE_URL", &config.database_url, "admin: Postgres DSN");
  binder.Bind("redis", "OCTO_REDIS_ADDR", &config.redis, "admin invalidate, set-limit: Redis host:port");
  binder.Bind("invalidation_channel", "OCTO_CACHE_INVALIDATION_CHANNEL",
              &config.invalidation_channel, "admin invalidate: pub/sub channel");
  binder.Bind("name", "", &config.name, "admin: tenant or key name");
  binder.Bind("tier", "", &config.tier, "admin create-tenant: service tier");
  binder.Bind("redaction", "", &config.redaction, "admin create-tenant: PII redaction strategy");
  binder.Bind("json", "", &config.json, "print JSON, one object per line");
  binder.Bind("timeout", "OCTO_TIMEOUT", &config.timeout, "deadline of unary calls");
  binder.Bind("capability", "", &config.capability, "submit: required capability");
  binder.Bind("context", "", &config.context, "submit: context text");
  binder.Bind("priority", "", &config.priority, "submit: low | medium | high | critical");
  binder.Bind("exec", "", &config.exec, "submit: program and arguments for the executor");
  binder.Bind("idempotency_key", "", &config.idempotency_key, "submit: idempotency key");
  binder.Bind("deadline", "", &config.deadline, "submit: task deadline");
  binder.Bind("wait", "", &config.wait, "submit: watch until done, then print the task");
  binder.Bind("from_seq", "", &config.from_seq, "watch: first event sequence number");
  binder.Bind("reason", "", &config.reason, "cancel: reason");
  binder.Bind("state", "", &config.state, "list: state filter");
  binder.Bind("page_size", "", &config.page_size, "list: page size");
  binder.Bind("page_token", "", &config.page_token, "list: page token");
  octoctl::BindSpendFlags(binder, &spend_flags);
  binder.ParseOrExit(argc, argv);
  const auto& args = binder.positional();
  if (args.empty()) {
    std::cerr << binder.Usage();
    return 2;
  }
  const std::string& command = args[0];
  if (command == "admin") return Admin(args);
  if (command == "ingest") return Ingest(args);
  if (command == "arms") return Arms();

  auto stub = octo::v1::TaskService::NewStub(octo::rpc::MakeChannel(config.addr));
  auto need_id = [&]() -> const std::string* {
    if (args.size() != 2) {
      std::cerr << command << ": TASK_ID is required\n";
      return nullptr;
    }
    return &args[1];
  };
  if (command == "submit") return Submit(*stub, args);
  if (command == "get") {
    const std::string* id = need_id();
    return id ? Get(*stub, *id) : 2;
  }
  if (command == "watch") {
    const std::string* id = need_id();
    return id ? Watch(*stub, *id, config.from_seq) : 2;
  }
  if (command == "cancel") {
    const std::string* id = need_id();
    return id ? Cancel(*stub, *id) : 2;
  }
  if (command == "list") return List(*stub);
  std::cerr << "unknown command \"" << command << "\"\n" << kUsage;
  return 2;
}
