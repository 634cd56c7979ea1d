#include "load.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

#include "absl/random/random.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/synchronization/mutex.h"
#include "grpcpp/client_context.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "octo/rpc/status.h"
#include "octo/v1/task_service.grpc.pb.h"

namespace octo::bench {
namespace {

int64_t NowNs() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(
             std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

void SleepUntilNs(int64_t deadline_ns) {
  std::this_thread::sleep_until(
      std::chrono::steady_clock::time_point(std::chrono::nanoseconds(deadline_ns)));
}

// Shards of the recorded figures, so completions on different gRPC threads rarely contend.
constexpr int kShards = 16;

class LoadRun {
 public:
  LoadRun(const LoadOptions& options, std::vector<std::unique_ptr<v1::TaskService::Stub>> stubs)
      : options_(options), stubs_(std::move(stubs)) {
    absl::BitGen gen;
    nonce_ = absl::StrFormat("%016x", absl::Uniform<uint64_t>(gen));
    shared_request_.mutable_spec()->set_goal(
        MakeGoal(/*unique=*/false, nonce_, 0, options_.goal_bytes));
  }

  LoadResult Run();

 private:
  struct Call {
    grpc::ClientContext context;
    v1::SubmitTaskRequest own_request;  // unique goals only
    v1::SubmitTaskResponse response;
    uint64_t seq = 0;
    int64_t start_ns = 0;  // scheduled start (open loop) or actual start (closed loop)
    int slot = -1;         // closed loop: the slot that starts the next call; -1 open loop
  };
  struct Shard {
    absl::Mutex mu;
    Histogram latency_us ABSL_GUARDED_BY(mu);
    uint64_t ok ABSL_GUARDED_BY(mu) = 0;
    uint64_t cache_hits ABSL_GUARDED_BY(mu) = 0;
    std::array<uint64_t, kStatusCodes> errors ABSL_GUARDED_BY(mu){};
    int64_t last_done_ns ABSL_GUARDED_BY(mu) = 0;
  };

  void Start(int64_t start_ns, int slot);
  void Done(Call* call, const grpc::Status& status);
  void RunOpenLoop();
  void ReportProgress(int64_t begin_ns);
  bool Recorded(int64_t start_ns) const {
    return start_ns >= measure_begin_ns_ && start_ns < measure_end_ns_;
  }

  const LoadOptions& options_;
  std::vector<std::unique_ptr<v1::TaskService::Stub>> stubs_;
  std::string nonce_;
  v1::SubmitTaskRequest shared_request_;
  int64_t measure_begin_ns_ = 0;
  int64_t measure_end_ns_ = 0;
  std::atomic<uint64_t> next_seq_{0};
  std::atomic<uint64_t> ok_total_{0};
  std::atomic<uint64_t> errors_total_{0};
  // Calls started and not yet answered, for progress lines (in_flight_ also counts calls
  // whose completion is still being handled).
  std::atomic<int64_t> outstanding_{0};
  uint64_t dropped_ = 0;         // scheduler thread only
  int64_t max_send_lag_ns_ = 0;  // scheduler thread only
  std::array<Shard, kShards> shards_;

  absl::Mutex mu_;
  int64_t in_flight_ ABSL_GUARDED_BY(mu_) = 0;
  bool issuing_ ABSL_GUARDED_BY(mu_) = true;
};

void LoadRun::Start(int64_t start_ns, int slot) {
  auto* call = new Call;
  call->seq = next_seq_.fetch_add(1, std::memory_order_relaxed);
  call->start_ns = start_ns;
  call->slot = slot;
  const v1::SubmitTaskRequest* request = &shared_request_;
  if (options_.unique_goals) {
    call->own_request.mutable_spec()->set_goal(
        MakeGoal(/*unique=*/true, nonce_, call->seq, options_.goal_bytes));
    request = &call->own_request;
  }
  call->context.set_deadline(std::chrono::system_clock::now() +
                             absl::ToChronoNanoseconds(options_.timeout));
  {
    absl::MutexLock lock(&mu_);
    ++in_flight_;
  }
  outstanding_.fetch_add(1, std::memory_order_relaxed);
  const size_t channel = static_cast<size_t>(slot >= 0 ? slot : call->seq) % stubs_.size();
  stubs_[channel]->async()->SubmitTask(&call->context, request, &call->response,
                                       [this, call](grpc::Status status) { Done(call, status); });
}

void LoadRun::Done(Call* call, const grpc::Status& status) {
  const int64_t now = NowNs();
  outstanding_.fetch_sub(1, std::memory_order_relaxed);
  (status.ok() ? ok_total_ : errors_total_).fetch_add(1, std::memory_order_relaxed);
  if (Recorded(call->start_ns)) {
    Shard& shard = shards_[call->seq % kShards];
    absl::MutexLock lock(&shard.mu);
    if (status.ok()) {
      shard.latency_us.Record((now - call->start_ns + 500) / 1000);
      ++shard.ok;
      if (call->response.cache_hit()) ++shard.cache_hits;
    } else {
      ++shard.errors[std::clamp(static_cast<int>(status.error_code()), 0, kStatusCodes - 1)];
    }
    shard.last_done_ns = std::max(shard.last_done_ns, now);
  }
  const int slot = call->slot;
  // The callback API has let go of the context and response before calling us.
  delete call;
  if (slot >= 0 && NowNs() < measure_end_ns_) Start(NowNs(), slot);
  absl::MutexLock lock(&mu_);
  --in_flight_;
}

void LoadRun::RunOpenLoop() {
  const double period_ns = 1e9 / options_.rate;
  const int64_t timeout_ns = absl::ToInt64Nanoseconds(options_.timeout);
  const int64_t begin = NowNs();
  for (uint64_t k = 0;; ++k) {
    const int64_t scheduled = begin + static_cast<int64_t>(static_cast<double>(k) * period_ns);
    if (scheduled >= measure_end_ns_) break;
    // Sleeping for less than ~50 µs costs more than it saves; the latency still counts
    // from `scheduled`.
    if (scheduled - NowNs() > 50'000) SleepUntilNs(scheduled);
    const int64_t lag = NowNs() - scheduled;
    bool full;
    {
      absl::MutexLock lock(&mu_);
      full = in_flight_ >= options_.max_outstanding;
    }
    // A call this late would have timed out anyway; skipping it keeps an overloaded
    // generator from running on long after the measurement.
    if (full || lag > timeout_ns) {
      if (Recorded(scheduled)) ++dropped_;
      continue;
    }
    if (Recorded(scheduled)) max_send_lag_ns_ = std::max(max_send_lag_ns_, lag);
    Start(scheduled, -1);
  }
}

void LoadRun::ReportProgress(int64_t begin_ns) {
  uint64_t last_ok = 0;
  int64_t last_ns = begin_ns;
  absl::MutexLock lock(&mu_);
  auto finished = [this]()
                      ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return !issuing_ && in_flight_ == 0; };
  while (!mu_.AwaitWithTimeout(absl::Condition(&finished), absl::Seconds(1))) {
    const int64_t now = NowNs();
    Progress progress;
    progress.elapsed = absl::Nanoseconds(now - begin_ns);
    progress.warming_up = now < measure_begin_ns_;
    progress.ok = ok_total_.load(std::memory_order_relaxed);
    progress.errors = errors_total_.load(std::memory_order_relaxed);
    progress.ok_per_second =
        static_cast<double>(progress.ok - last_ok) / (static_cast<double>(now - last_ns) / 1e9);
    progress.in_flight = outstanding_.load(std::memory_order_relaxed);
    last_ok = progress.ok;
    last_ns = now;
    mu_.Unlock();
    options_.on_progress(progress);
    mu_.Lock();
  }
}

LoadResult LoadRun::Run() {
  const int64_t begin = NowNs();
  measure_begin_ns_ = begin + absl::ToInt64Nanoseconds(options_.warmup);
  measure_end_ns_ = measure_begin_ns_ + absl::ToInt64Nanoseconds(options_.duration);
  std::thread progress;
  if (options_.on_progress) progress = std::thread([this, begin] { ReportProgress(begin); });

  if (options_.rate > 0) {
    RunOpenLoop();
  } else {
    for (int slot = 0; slot < options_.concurrency; ++slot) Start(NowNs(), slot);
  }
  {
    absl::MutexLock lock(&mu_);
    issuing_ = false;
    // Closed-loop slots stop by themselves after measure_end_ns_; every call has a deadline.
    mu_.Await(absl::Condition(
        +[](int64_t* in_flight) { return *in_flight == 0; }, &in_flight_));
  }
  if (progress.joinable()) progress.join();

  LoadResult result;
  result.channels = static_cast<int>(stubs_.size());
  result.dropped = dropped_;
  result.max_send_lag = absl::Nanoseconds(max_send_lag_ns_);
  int64_t last_done = 0;
  for (Shard& shard : shards_) {
    absl::MutexLock lock(&shard.mu);
    result.latency_us.Merge(shard.latency_us);
    result.ok += shard.ok;
    result.cache_hits += shard.cache_hits;
    for (int code = 0; code < kStatusCodes; ++code) {
      result.errors_by_code[code] += shard.errors[code];
    }
    last_done = std::max(last_done, shard.last_done_ns);
  }
  result.elapsed = last_done > measure_begin_ns_ ? absl::Nanoseconds(last_done - measure_begin_ns_)
                                                 : options_.duration;
  return result;
}

std::shared_ptr<grpc::Channel> NewChannel(const std::string& target) {
  grpc::ChannelArguments args;
  // Each channel gets its own subchannels, hence its own TCP connection; otherwise gRPC
  // would share one connection between channels with equal arguments.
  args.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
  args.SetMaxReceiveMessageSize(64 << 20);
  args.SetMaxSendMessageSize(64 << 20);
  return grpc::CreateCustomChannel(target, grpc::InsecureChannelCredentials(), args);
}

}  // namespace

uint64_t LoadResult::errors() const {
  uint64_t total = 0;
  for (uint64_t n : errors_by_code) total += n;
  return total;
}

double LoadResult::throughput() const {
  const double seconds = absl::ToDoubleSeconds(elapsed);
  return seconds > 0 ? static_cast<double>(ok) / seconds : 0.0;
}

std::string MakeGoal(bool unique, absl::string_view nonce, uint64_t seq, int bytes) {
  std::string goal = unique ? absl::StrCat("octo-bench ", nonce, " ", seq, " ")
                            : std::string("octo-bench repeated goal ");
  if (static_cast<int>(goal.size()) < bytes) goal.append(bytes - goal.size(), 'x');
  return goal;
}

absl::Status ResolveOptions(LoadOptions* options) {
  if (options->target.empty()) return absl::InvalidArgumentError("target: must be set");
  if (options->rate < 0) return absl::InvalidArgumentError("rate: must be >= 0");
  if (options->rate == 0 && options->concurrency < 1) {
    return absl::InvalidArgumentError("concurrency: must be >= 1");
  }
  if (options->duration <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("duration: must be > 0");
  }
  if (options->warmup < absl::ZeroDuration()) {
    return absl::InvalidArgumentError("warmup: must be >= 0");
  }
  if (options->timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("timeout: must be > 0");
  }
  if (options->channels < 0) return absl::InvalidArgumentError("channels: must be >= 0");
  if (options->goal_bytes < 1) return absl::InvalidArgumentError("goal_bytes: must be >= 1");
  if (options->max_outstanding < 1) {
    return absl::InvalidArgumentError("max_outstanding: must be >= 1");
  }
  if (options->channels == 0) {
    options->channels = options->rate > 0 ? 4 : std::min(options->concurrency, 4);
  }
  return absl::OkStatus();
}

absl::StatusOr<LoadResult> RunLoad(LoadOptions options) {
  if (absl::Status status = ResolveOptions(&options); !status.ok()) return status;
  std::vector<std::unique_ptr<v1::TaskService::Stub>> stubs;
  const absl::Duration connect_timeout = std::max(options.timeout, absl::Seconds(5));
  const auto connect_deadline =
      std::chrono::system_clock::now() + absl::ToChronoNanoseconds(connect_timeout);
  for (int i = 0; i < options.channels; ++i) {
    std::shared_ptr<grpc::Channel> channel = NewChannel(options.target);
    if (!channel->WaitForConnected(connect_deadline)) {
      return absl::UnavailableError(absl::StrCat("cannot connect to ", options.target, " within ",
                                                 absl::FormatDuration(connect_timeout)));
    }
    stubs.push_back(v1::TaskService::NewStub(channel));
  }
  if (options.prime) {
    // The load's first call, made alone on the first channel and waited for.
    v1::SubmitTaskRequest request;
    request.mutable_spec()->set_goal(
        MakeGoal(options.unique_goals, "prime", 0, options.goal_bytes));
    v1::SubmitTaskResponse response;
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() +
                         absl::ToChronoNanoseconds(options.timeout));
    if (grpc::Status status = stubs.front()->SubmitTask(&context, request, &response);
        !status.ok()) {
      absl::Status error = rpc::FromGrpcStatus(status);
      return absl::Status(error.code(), absl::StrCat("priming call: ", error.message()));
    }
  }
  LoadRun run(options, std::move(stubs));
  return run.Run();
}

}  // namespace octo::bench
