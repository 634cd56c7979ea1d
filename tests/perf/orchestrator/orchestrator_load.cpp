// Durable end-to-end throughput and latency of the orchestrator, against the physical
// reference of the same Postgres server (pgbench inserting one row per transaction).
//
// Everything runs on this machine: a throw-away Postgres (tests/support harness), a no-op arm
// on an in-process gRPC server, the real octo-orchestrator binary, and client threads that
// each submit a task and watch it to its end, over and over. Per (steps, concurrency) run it
// reports completed tasks/s, submit→done latency p50/p99, the ratio to pgbench's insert rate
// at the same concurrency, and the orchestrator's CPU use; at the end, the orchestrator's RSS
// after all tasks. Speed is reported, never asserted: the process fails only when a task
// fails or something cannot start.
//
//   perf_orchestrator_load --seconds=10 --memory_tasks=100000        # the full run
//   perf_orchestrator_load --short                                   # ctest's smoke run
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <memory>
#include <pqxx/pqxx>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/server_builder.h"
#include "octo/common/config.h"
#include "octo/rpc/metadata.h"
#include "octo/store/migrations.h"
#include "octo/testing/postgres_server.h"
#include "octo/testing/subprocess.h"
#include "octo/v1/arm.grpc.pb.h"
#include "octo/v1/task_service.grpc.pb.h"

namespace {

using octo::testing::PickFreePort;
using octo::testing::Subprocess;

struct Flags {
  bool short_mode = false;
  int seconds = 10;        // measured time per run
  int warmup_seconds = 2;  // unrecorded load before each run
  std::string concurrency = "16,64";
  std::string steps = "1,3";
  int memory_tasks = 100000;  // top up to this many tasks before reading the RSS
  int workers = 128;          // orchestrator --workers
  int database_pool = 16;
  std::string orchestrator = OCTO_ORCHESTRATOR_BIN;
  // An existing server ("postgresql://user@host:port") instead of a throw-away one; the
  // load creates its own databases there.
  std::string postgres;
};

// The no-op arm: answers every step at once.
class NoopArm final : public octo::v1::Arm::CallbackService {
 public:
  grpc::ServerUnaryReactor* Describe(grpc::CallbackServerContext* context,
                                     const octo::v1::DescribeRequest*,
                                     octo::v1::ArmDescription* response) override {
    response->set_kind("noop");
    for (const char* cap : {"retrieve", "a", "b", "c"}) response->add_capabilities(cap);
    response->set_max_concurrency(4096);
    response->set_cost_tier(octo::v1::COST_TIER_FREE);
    response->set_instance("noop");
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
  grpc::ServerUnaryReactor* Execute(grpc::CallbackServerContext* context,
                                    const octo::v1::ExecuteRequest* request,
                                    octo::v1::ExecuteResponse* response) override {
    response->mutable_output()->set_text(absl::StrCat(request->step_id(), " ok"));
    response->mutable_provenance()->set_arm_kind("noop");
    auto* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

int64_t ProcessCpuTicks(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
  std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  // Fields after the command name (which is in parentheses and may hold spaces).
  std::vector<std::string> fields = absl::StrSplit(stat.substr(stat.rfind(')') + 2), ' ');
  int64_t utime = 0, stime = 0;
  if (fields.size() > 13 && absl::SimpleAtoi(fields[11], &utime) &&
      absl::SimpleAtoi(fields[12], &stime)) {
    return utime + stime;
  }
  return 0;
}

// CPU ticks of every process whose parent is `parent` (a postmaster's backends).
int64_t ChildrenCpuTicks(pid_t parent) {
  int64_t total = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream in(absl::StrCat("/proc/", pid, "/stat"));
    std::string stat((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::vector<std::string> fields = absl::StrSplit(stat.substr(close + 2), ' ');
    int64_t ppid = 0;
    if (fields.size() > 1 && absl::SimpleAtoi(fields[1], &ppid) && ppid == parent) {
      total += ProcessCpuTicks(pid);
    }
  }
  return total + ProcessCpuTicks(parent);
}

// The postmaster listening on 127.0.0.1:`port`, or 0 when it is not a local child process.
pid_t FindPostmaster(int port) {
  const std::string needle = absl::StrCat("-p", std::string(1, '\0'), port, std::string(1, '\0'));
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    pid_t pid = 0;
    if (!absl::SimpleAtoi(entry.path().filename().string(), &pid)) continue;
    std::ifstream in(absl::StrCat("/proc/", pid, "/cmdline"));
    std::string cmdline((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    if (cmdline.find("postgres") != std::string::npos &&
        cmdline.find(needle) != std::string::npos && cmdline.find("-D") != std::string::npos) {
      return pid;
    }
  }
  return 0;
}

double RssMb(pid_t pid) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind("VmRSS:", 0) == 0) {
      int64_t kb = 0;
      std::vector<std::string> parts = absl::StrSplit(line, ' ', absl::SkipEmpty());
      if (parts.size() >= 2 && absl::SimpleAtoi(parts[1], &kb)) return kb / 1024.0;
    }
  }
  return 0;
}

double Percentile(std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const size_t i = std::min(sorted.size() - 1, static_cast<size_t>(p * sorted.size()));
  return sorted[i];
}

struct RunResult {
  int64_t tasks = 0;
  int64_t all_tasks = 0;  // warm-up included
  int64_t failures = 0;
  double seconds = 0;
  double p50_ms = 0, p99_ms = 0;
  double cpu_percent = 0;  // orchestrator, of one core
  // CPU milliseconds per completed task, measured over the recorded interval.
  double orchestrator_ms = 0, postgres_ms = 0, client_ms = 0;
};

class Load {
 public:
  Load(int port, int channels) {
    for (int i = 0; i < channels; ++i) {
      grpc::ChannelArguments args;
      args.SetInt("octo.channel_index", i);  // distinct channels, distinct connections
      stubs_.push_back(octo::v1::TaskService::NewStub(grpc::CreateCustomChannel(
          absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials(), args)));
    }
  }

  // Submits a task and watches it to its end; returns false when it did not succeed.
  bool OneTask(int client, int steps, int64_t serial) {
    auto& stub = *stubs_[client % stubs_.size()];
    octo::v1::SubmitTaskRequest request;
    request.mutable_spec()->set_goal(absl::StrCat("load ", client, " ", serial));
    if (steps > 1) {
      for (int i = 0; i < steps; ++i) {
        request.mutable_spec()->add_required_capabilities(
            std::string(1, static_cast<char>('a' + i)));
      }
    }
    octo::v1::SubmitTaskResponse response;
    {
      grpc::ClientContext context;
      context.AddMetadata(octo::rpc::kTenantHeader, "bench");
      context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(30)));
      grpc::Status status = stub.SubmitTask(&context, request, &response);
      if (!status.ok()) {
        Report(absl::StrCat("submit: ", status.error_message()));
        return false;
      }
    }
    octo::v1::WatchTaskRequest watch;
    watch.set_task_id(response.task().id());
    watch.set_from_seq(response.task().last_event_seq() + 1);
    grpc::ClientContext context;
    context.AddMetadata(octo::rpc::kTenantHeader, "bench");
    context.set_deadline(absl::ToChronoTime(absl::Now() + absl::Seconds(60)));
    auto reader = stub.WatchTask(&context, watch);
    octo::v1::TaskEvent event;
    octo::v1::TaskState last = octo::v1::TASK_STATE_UNSPECIFIED;
    while (reader->Read(&event)) last = event.state();
    grpc::Status status = reader->Finish();
    if (!status.ok() || last != octo::v1::TASK_STATE_SUCCEEDED) {
      Report(absl::StrCat("task ", response.task().id(), " ended ", octo::v1::TaskState_Name(last),
                          " ", status.error_message()));
      return false;
    }
    return true;
  }

  RunResult Run(int steps, int concurrency, absl::Duration warmup, absl::Duration measured,
                pid_t orchestrator, pid_t postmaster, int64_t max_tasks = -1) {
    std::atomic<bool> recording{false};
    std::atomic<bool> stop{false};
    std::atomic<int64_t> done{0}, failed{0}, started{0}, all{0};
    absl::Mutex mu;
    std::vector<double> latencies_ms;
    std::vector<std::thread> clients;
    for (int c = 0; c < concurrency; ++c) {
      clients.emplace_back([&, c] {
        std::vector<double> mine;
        int64_t serial = 0;
        while (!stop.load()) {
          if (max_tasks >= 0 && started.fetch_add(1) >= max_tasks) break;
          const bool counted = recording.load();
          const absl::Time t0 = absl::Now();
          const bool ok = OneTask(c, steps, serial++);
          const double ms = absl::ToDoubleMilliseconds(absl::Now() - t0);
          all += ok;
          if (counted && recording.load()) {
            ok ? ++done : ++failed;
            if (ok) mine.push_back(ms);
          } else if (!ok) {
            ++failed;
          }
        }
        absl::MutexLock lock(&mu);
        latencies_ms.insert(latencies_ms.end(), mine.begin(), mine.end());
      });
    }
    absl::SleepFor(warmup);
    const int64_t cpu0 = ProcessCpuTicks(orchestrator);
    const int64_t pg0 = postmaster > 0 ? ChildrenCpuTicks(postmaster) : 0;
    const int64_t self0 = ProcessCpuTicks(getpid());
    const absl::Time t0 = absl::Now();
    recording = true;
    if (max_tasks < 0) {
      absl::SleepFor(measured);
      recording = false;
      stop = true;
    }
    for (auto& t : clients) t.join();
    const absl::Duration elapsed = absl::Now() - t0;
    const int64_t cpu1 = ProcessCpuTicks(orchestrator);
    const int64_t pg1 = postmaster > 0 ? ChildrenCpuTicks(postmaster) : 0;
    const int64_t self1 = ProcessCpuTicks(getpid());
    RunResult result;
    result.tasks = done.load();
    result.all_tasks = all.load();
    result.failures = failed.load();
    result.seconds = absl::ToDoubleSeconds(max_tasks < 0 ? measured : elapsed);
    std::sort(latencies_ms.begin(), latencies_ms.end());
    result.p50_ms = Percentile(latencies_ms, 0.50);
    result.p99_ms = Percentile(latencies_ms, 0.99);
    const double tick_ms = 1000.0 / sysconf(_SC_CLK_TCK);
    result.cpu_percent =
        100.0 * (cpu1 - cpu0) / sysconf(_SC_CLK_TCK) / absl::ToDoubleSeconds(elapsed);
    const int64_t counted = std::max<int64_t>(1, done.load());
    result.orchestrator_ms = (cpu1 - cpu0) * tick_ms / counted;
    result.postgres_ms = (pg1 - pg0) * tick_ms / counted;
    result.client_ms = (self1 - self0) * tick_ms / counted;
    return result;
  }

 private:
  void Report(const std::string& what) {
    absl::MutexLock lock(&mu_);
    if (reported_++ < 5) std::cerr << "failure: " << what << "\n";
  }
  std::vector<std::unique_ptr<octo::v1::TaskService::Stub>> stubs_;
  absl::Mutex mu_;
  int reported_ = 0;
};

// pgbench: each transaction inserts one row, at `clients` connections, for `seconds`.
double PgbenchInsertRate(const std::string& bin_dir, int port, const std::string& db, int clients,
                         int seconds, const std::string& dir) {
  const std::string script = absl::StrCat(dir, "/insert.sql");
  std::ofstream(script) << "INSERT INTO bench_rows (v) VALUES (1);\n";
  const std::string out = absl::StrCat(dir, "/pgbench.out");
  octo::testing::SpawnOptions options;
  options.log_path = out;
  auto status = octo::testing::RunCommand(
      {bin_dir + "/pgbench", "-n", "-h", "127.0.0.1", "-p", absl::StrCat(port), "-U", "postgres",
       "-c", absl::StrCat(clients), "-j", "2", "-T", absl::StrCat(seconds), "-M", "prepared", "-f",
       script, db},
      options, absl::Seconds(seconds + 60));
  std::ifstream in(out);
  std::string line;
  double tps = 0;
  while (std::getline(in, line)) {
    // "tps = 12345.678901 (without initial connection time)"
    if (line.rfind("tps = ", 0) == 0) {
      std::vector<std::string> parts = absl::StrSplit(line, ' ');
      if (parts.size() >= 3) absl::SimpleAtod(parts[2], &tps);
    }
  }
  if (!status.ok() || tps == 0)
    std::cerr << "pgbench failed: " << status << " (see " << out << ")\n";
  return tps;
}

std::string NewestPostgresBin() {
  std::string best;
  for (int v = 30; v >= 9; --v) {
    const std::string dir = absl::StrCat("/usr/lib/postgresql/", v, "/bin");
    if (access((dir + "/pgbench").c_str(), X_OK) == 0) return dir;
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
  Flags flags;
  octo::common::ConfigBinder binder("perf_orchestrator_load",
                                    "Orchestrator throughput and latency against pgbench.");
  binder.Bind("short", "OCTO_PERF_SHORT", &flags.short_mode,
              "a quick smoke run (ctest): 1 s per run, concurrency 4, 1000 tasks for memory");
  binder.Bind("seconds", "OCTO_PERF_SECONDS", &flags.seconds, "measured seconds per run");
  binder.Bind("warmup_seconds", "OCTO_PERF_WARMUP", &flags.warmup_seconds,
              "unrecorded load before each run");
  binder.Bind("concurrency", "OCTO_PERF_CONCURRENCY", &flags.concurrency,
              "comma-separated client counts");
  binder.Bind("steps", "OCTO_PERF_STEPS", &flags.steps, "comma-separated steps per task");
  binder.Bind("memory_tasks", "OCTO_PERF_MEMORY_TASKS", &flags.memory_tasks,
              "tasks run in total before the orchestrator's RSS is read");
  binder.Bind("workers", "OCTO_PERF_WORKERS", &flags.workers, "orchestrator --workers");
  binder.Bind("database_pool", "OCTO_PERF_DATABASE_POOL", &flags.database_pool,
              "orchestrator --database_pool");
  binder.Bind("orchestrator", "OCTO_PERF_ORCHESTRATOR", &flags.orchestrator,
              "octo-orchestrator binary");
  binder.Bind("postgres", "OCTO_PERF_POSTGRES", &flags.postgres,
              "use this server (postgresql://user@host:port) instead of a throw-away one");
  binder.ParseOrExit(argc, argv);
  if (flags.short_mode) {
    flags.seconds = 1;
    flags.warmup_seconds = 0;
    flags.concurrency = "4";
    flags.memory_tasks = 1000;
  }
  std::vector<int> concurrencies, step_counts;
  for (absl::string_view c : absl::StrSplit(flags.concurrency, ',', absl::SkipEmpty())) {
    int v = 0;
    if (!absl::SimpleAtoi(c, &v) || v < 1) return std::cerr << "bad --concurrency\n", 2;
    concurrencies.push_back(v);
  }
  for (absl::string_view s : absl::StrSplit(flags.steps, ',', absl::SkipEmpty())) {
    int v = 0;
    if (!absl::SimpleAtoi(s, &v) || v < 1 || v > 3) return std::cerr << "bad --steps (1..3)\n", 2;
    step_counts.push_back(v);
  }

  // Two fresh databases: the orchestrator's and pgbench's.
  std::string server = flags.postgres;
  int pg_port = 0;
  absl::StatusOr<std::string> dsn, bench_dsn;
  if (server.empty()) {
    auto& postgres = octo::testing::PostgresServer::Shared();
    dsn = postgres.CreateDatabase();
    bench_dsn = postgres.CreateDatabase();
    pg_port = postgres.port();
  } else {
    const std::string suffix = absl::StrCat(getpid());
    try {
      pqxx::connection conn(server + "/postgres");
      pqxx::nontransaction tx(conn);
      tx.exec("CREATE DATABASE orch_load_" + suffix);
      tx.exec("CREATE DATABASE orch_pgbench_" + suffix);
    } catch (const std::exception& e) {
      return std::cerr << "postgres: " << e.what() << "\n", 1;
    }
    dsn = server + "/orch_load_" + suffix;
    bench_dsn = server + "/orch_pgbench_" + suffix;
    absl::SimpleAtoi(server.substr(server.rfind(':') + 1), &pg_port);
  }
  if (!dsn.ok() || !bench_dsn.ok()) return std::cerr << "database: " << dsn.status() << "\n", 1;
  if (auto applied = octo::store::ApplyMigrations(*dsn, octo::store::EmbeddedMigrations());
      !applied.ok()) {
    return std::cerr << "migrations: " << applied.status() << "\n", 1;
  }
  {
    pqxx::connection conn(*bench_dsn);
    pqxx::work tx(conn);
    tx.exec(
        "CREATE TABLE bench_rows (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, "
        "v int NOT NULL, created_at timestamptz NOT NULL DEFAULT now())");
    tx.commit();
  }
  const std::string bench_db = bench_dsn->substr(bench_dsn->rfind('/') + 1);

  // The no-op arm, in this process.
  NoopArm arm_service;
  int arm_port = 0;
  grpc::ServerBuilder builder;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &arm_port);
  builder.RegisterService(&arm_service);
  std::unique_ptr<grpc::Server> arm = builder.BuildAndStart();
  if (arm == nullptr) return std::cerr << "arm did not start\n", 1;

  octo::testing::TempDir dir;
  const int port = PickFreePort();
  octo::testing::SpawnOptions options;
  options.log_path = absl::StrCat(dir.path(), "/orchestrator.log");
  auto orchestrator = Subprocess::Spawn(
      {flags.orchestrator, absl::StrCat("--listen=127.0.0.1:", port),
       absl::StrCat("--metrics_listen=127.0.0.1:", PickFreePort()), "--database_url=" + *dsn,
       absl::StrCat("--arms=127.0.0.1:", arm_port), absl::StrCat("--workers=", flags.workers),
       absl::StrCat("--database_pool=", flags.database_pool), "--log_level=warn"},
      options);
  if (!orchestrator.ok()) return std::cerr << orchestrator.status() << "\n", 1;
  if (!octo::testing::WaitForPort(port, absl::Seconds(30)).ok()) {
    return std::cerr << "orchestrator did not start; log: " << options.log_path << "\n", 1;
  }
  const pid_t pid = orchestrator->pid();
  Load load(port, 4);
  // Until the arm is described, tasks would fail; wait for a first success.
  for (int i = 0; i < 100 && !load.OneTask(0, 1, -1); ++i) absl::SleepFor(absl::Milliseconds(100));

  const std::string pg_bin = NewestPostgresBin();
  std::cout << "# orchestrator load: Postgres " << pg_bin
            << " (fsync=off, synchronous_commit=off), " << sysconf(_SC_NPROCESSORS_ONLN)
            << " CPUs, everything on this machine\n\n";
  const pid_t postmaster = FindPostmaster(pg_port);
  std::cout << "| steps | clients | tasks/s | p50 ms | p99 ms | pgbench inserts/s | "
               "tasks/s ÷ inserts/s | CPU ms/task: orchestrator | postgres | client+arm |\n"
               "|---|---|---|---|---|---|---|---|---|---|\n";
  int64_t total_tasks = 0;
  bool failed = false;
  for (int c : concurrencies) {
    const double tps = pg_bin.empty() ? 0
                                      : PgbenchInsertRate(pg_bin, pg_port, bench_db, c,
                                                          std::max(1, flags.seconds), dir.path());
    for (int steps : step_counts) {
      RunResult r = load.Run(steps, c, absl::Seconds(flags.warmup_seconds),
                             absl::Seconds(flags.seconds), pid, postmaster);
      total_tasks += r.all_tasks;
      failed = failed || r.failures > 0 || r.tasks == 0;
      const double rate = r.tasks / r.seconds;
      std::cout << absl::StrFormat(
                       "| %d | %d | %.0f | %.2f | %.2f | %.0f | %.3f | %.3f | %.3f | %.3f |\n",
                       steps, c, rate, r.p50_ms, r.p99_ms, tps, tps > 0 ? rate / tps : 0,
                       r.orchestrator_ms, r.postgres_ms, r.client_ms)
                << std::flush;
      if (r.failures > 0) std::cout << "  (" << r.failures << " tasks failed)\n";
    }
  }
  // Memory after many tasks.
  const int64_t more = std::max<int64_t>(0, flags.memory_tasks - total_tasks);
  RunResult top_up =
      load.Run(1, concurrencies.back(), absl::ZeroDuration(), absl::ZeroDuration(), pid, 0, more);
  failed = failed || top_up.failures > 0;
  std::cout << "\nCPU ms/task: CPU time used per completed task by each party during the run "
               "(the machine may be shared; the sum bounds tasks/s on otherwise idle cores).\n";
  std::cout << absl::StrFormat("\norchestrator RSS after %d tasks: %.1f MB\n",
                               total_tasks + top_up.all_tasks, RssMb(pid));
  const int status = orchestrator->Stop(absl::Seconds(20));
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::cerr << "orchestrator exit status " << status << "; log: " << options.log_path << "\n";
    failed = true;
  }
  arm->Shutdown();
  return failed ? 1 : 0;
}
