#include "octo/telemetry/grpc_metrics.h"

#include <chrono>
#include <string>
#include "absl/strings/string_view.h"

#include "absl/base/thread_annotations.h"
#include <array>
#include <atomic>

#include "absl/container/node_hash_map.h"
#include "absl/synchronization/mutex.h"
#include "octo/telemetry/metrics.h"
#include "prometheus/counter.h"
#include "prometheus/histogram.h"

namespace octo::telemetry {
namespace {

using Clock = std::chrono::steady_clock;

const char* CodeName(grpc::StatusCode code) {
  switch (code) {
    case grpc::OK: return "OK";
    case grpc::CANCELLED: return "Canceled";
    case grpc::UNKNOWN: return "Unknown";
    case grpc::INVALID_ARGUMENT: return "InvalidArgument";
    case grpc::DEADLINE_EXCEEDED: return "DeadlineExceeded";
    case grpc::NOT_FOUND: return "NotFound";
    case grpc::ALREADY_EXISTS: return "AlreadyExists";
    case grpc::PERMISSION_DENIED: return "PermissionDenied";
    case grpc::RESOURCE_EXHAUSTED: return "ResourceExhausted";
    case grpc::FAILED_PRECONDITION: return "FailedPrecondition";
    case grpc::ABORTED: return "Aborted";
    case grpc::OUT_OF_RANGE: return "OutOfRange";
    case grpc::UNIMPLEMENTED: return "Unimplemented";
    case grpc::INTERNAL: return "Internal";
    case grpc::UNAVAILABLE: return "Unavailable";
    case grpc::DATA_LOSS: return "DataLoss";
    case grpc::UNAUTHENTICATED: return "Unauthenticated";
    default: return "Unknown";
  }
}

// Metric families for one side (server or client) and cached children per method.
class RpcMetrics {
 public:
  struct Method {
    prometheus::Counter* started;
    prometheus::Histogram* seconds;
    std::string service, method, type;
    // Children of grpc_*_handled_total by status code, filled on first use.
    std::array<std::atomic<prometheus::Counter*>, 17> handled{};
  };

  RpcMetrics(prometheus::Registry& registry, absl::string_view side)
      : started_(CounterFamily(registry,
                               std::string("grpc_") + std::string(side) + "_started_total",
                               "RPCs started, by service, method and type.")),
        handled_(CounterFamily(registry,
                               std::string("grpc_") + std::string(side) + "_handled_total",
                               "RPCs completed, by service, method, type and status code.")),
        seconds_(HistogramFamily(registry,
                                 std::string("grpc_") + std::string(side) + "_handling_seconds",
                                 "RPC latency from start to status, in seconds.")) {}

  // `full_method` is "/package.Service/Method".
  Method& For(absl::string_view full_method, const char* type) {
    {
      absl::ReaderMutexLock lock(&mu_);
      if (auto it = methods_.find(full_method); it != methods_.end()) return it->second;
    }
    absl::MutexLock lock(&mu_);
    auto [it, inserted] = methods_.try_emplace(std::string(full_method));
    if (inserted) {
      absl::string_view name = full_method;
      if (!name.empty() && name.front() == '/') name.remove_prefix(1);
      auto slash = name.find('/');
      Method& m = it->second;
      m.service = std::string(slash == absl::string_view::npos ? "unknown" : name.substr(0, slash));
      m.method = std::string(slash == absl::string_view::npos ? name : name.substr(slash + 1));
      m.type = type;
      m.started = &started_.Add({{"grpc_service", m.service}, {"grpc_method", m.method},
                                 {"grpc_type", m.type}});
      m.seconds = &seconds_.Add(
          {{"grpc_service", m.service}, {"grpc_method", m.method}, {"grpc_type", m.type}},
          LatencyBuckets());
    }
    return it->second;
  }

  void Handled(Method& m, grpc::StatusCode code, Clock::time_point start) {
    const size_t index = static_cast<size_t>(code) < m.handled.size() ? code : grpc::UNKNOWN;
    prometheus::Counter* counter = m.handled[index].load(std::memory_order_acquire);
    if (counter == nullptr) {
      // Family::Add returns the existing child for equal labels, so a race is harmless.
      counter = &handled_.Add({{"grpc_service", m.service},
                               {"grpc_method", m.method},
                               {"grpc_type", m.type},
                               {"grpc_code", CodeName(static_cast<grpc::StatusCode>(index))}});
      m.handled[index].store(counter, std::memory_order_release);
    }
    counter->Increment();
    m.seconds->Observe(std::chrono::duration<double>(Clock::now() - start).count());
  }

 private:
  prometheus::Family<prometheus::Counter>& started_;
  prometheus::Family<prometheus::Counter>& handled_;
  prometheus::Family<prometheus::Histogram>& seconds_;
  absl::Mutex mu_;
  // node_hash_map: Method references stay valid while the map grows.
  absl::node_hash_map<std::string, Method> methods_ ABSL_GUARDED_BY(mu_);
};

const char* ServerType(grpc::experimental::ServerRpcInfo::Type type) {
  switch (type) {
    case grpc::experimental::ServerRpcInfo::Type::UNARY: return "unary";
    case grpc::experimental::ServerRpcInfo::Type::CLIENT_STREAMING: return "client_stream";
    case grpc::experimental::ServerRpcInfo::Type::SERVER_STREAMING: return "server_stream";
    case grpc::experimental::ServerRpcInfo::Type::BIDI_STREAMING: return "bidi_stream";
  }
  return "unary";
}

const char* ClientType(grpc::experimental::ClientRpcInfo::Type type) {
  using Type = grpc::experimental::ClientRpcInfo::Type;
  switch (type) {
    case Type::UNARY: return "unary";
    case Type::CLIENT_STREAMING: return "client_stream";
    case Type::SERVER_STREAMING: return "server_stream";
    case Type::BIDI_STREAMING: return "bidi_stream";
    case Type::UNKNOWN: return "unknown";
  }
  return "unary";
}

class ServerInterceptor final : public grpc::experimental::Interceptor {
 public:
  ServerInterceptor(RpcMetrics& metrics, grpc::experimental::ServerRpcInfo* info)
      : metrics_(metrics),
        method_(metrics.For(info->method() ? info->method() : "", ServerType(info->type()))),
        start_(Clock::now()) {
    method_.started->Increment();
  }
  ~ServerInterceptor() override {
    // A call cancelled before a status was sent still counts as handled.
    if (!recorded_) metrics_.Handled(method_, grpc::CANCELLED, start_);
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::PRE_SEND_STATUS)) {
      metrics_.Handled(method_, methods->GetSendStatus().error_code(), start_);
      recorded_ = true;
    }
    methods->Proceed();
  }

 private:
  RpcMetrics& metrics_;
  RpcMetrics::Method& method_;
  Clock::time_point start_;
  bool recorded_ = false;
};

class ServerFactory final : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  explicit ServerFactory(prometheus::Registry& registry) : metrics_(registry, "server") {}
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override {
    return new ServerInterceptor(metrics_, info);
  }

 private:
  RpcMetrics metrics_;
};

class ClientInterceptor final : public grpc::experimental::Interceptor {
 public:
  ClientInterceptor(RpcMetrics& metrics, grpc::experimental::ClientRpcInfo* info)
      : metrics_(metrics),
        method_(metrics.For(info->method() ? info->method() : "", ClientType(info->type()))),
        start_(Clock::now()) {
    method_.started->Increment();
  }

  void Intercept(grpc::experimental::InterceptorBatchMethods* methods) override {
    if (methods->QueryInterceptionHookPoint(
            grpc::experimental::InterceptionHookPoints::POST_RECV_STATUS)) {
      metrics_.Handled(method_, methods->GetRecvStatus()->error_code(), start_);
    }
    methods->Proceed();
  }

 private:
  RpcMetrics& metrics_;
  RpcMetrics::Method& method_;
  Clock::time_point start_;
};

class ClientFactory final : public grpc::experimental::ClientInterceptorFactoryInterface {
 public:
  explicit ClientFactory(prometheus::Registry& registry) : metrics_(registry, "client") {}
  grpc::experimental::Interceptor* CreateClientInterceptor(
      grpc::experimental::ClientRpcInfo* info) override {
    return new ClientInterceptor(metrics_, info);
  }

 private:
  RpcMetrics metrics_;
};

}  // namespace

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
NewServerMetricsInterceptorFactory(prometheus::Registry& registry) {
  return std::make_unique<ServerFactory>(registry);
}

std::unique_ptr<grpc::experimental::ClientInterceptorFactoryInterface>
NewClientMetricsInterceptorFactory(prometheus::Registry& registry) {
  return std::make_unique<ClientFactory>(registry);
}

}  // namespace octo::telemetry
