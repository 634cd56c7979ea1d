// octo-echo: a bare gRPC TaskService whose SubmitTask answers immediately, the baseline of
// the reflex benchmarks and an orchestrator stand-in that costs nothing.
#include <chrono>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "echo_service.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "octo/common/log.h"
#include "octo/rpc/process.h"

namespace {

struct Options {
  // Same port as the orchestrator's default, so a default reflex forwards here.
  octo::rpc::ProcessOptions process{.listen = "127.0.0.1:50052"};

  void Bind(octo::common::ConfigBinder& binder) {
    process.Bind(binder, {.env_prefix = "OCTO_ECHO",
                          .listen_help = "gRPC listen address (port 0: any)",
                          .metrics_listen = false,
                          .max_message_bytes = true,
                          .drain_timeout = false});
  }
  absl::Status Validate() const { return absl::OkStatus(); }
  std::string LogService() const { return "echo"; }
};

}  // namespace

int main(int argc, char** argv) {
  octo::rpc::PrepareServerProcess();
  Options config;
  octo::rpc::LoadOptionsOrExit(
      {"octo-echo",
       "Bare TaskService: SubmitTask answers at once with a SUCCEEDED task whose result is the\n"
       "goal; other methods are UNIMPLEMENTED. No health, reflection or metrics. Logs\n"
       "\"echo serving\" with grpc_port once it accepts calls."},
      argc, argv, config);

  octo::echo::EchoService service;
  // Not a ServerHost: the baseline has no health service, reflection or interceptors.
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.process.listen, grpc::InsecureServerCredentials(), &port);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);  // a busy port fails, not shares
  builder.SetMaxReceiveMessageSize(config.process.max_message_bytes);
  builder.SetMaxSendMessageSize(config.process.max_message_bytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    octo::log::Fatal(absl::UnavailableError(
        absl::StrCat("listen: cannot serve gRPC on ", config.process.listen)));
  }
  return octo::rpc::ServeUntilSignal("echo", {{"grpc_port", absl::StrCat(port)}}, [&server] {
    server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
    server->Wait();
  });
}
