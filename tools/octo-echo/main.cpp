// octo-echo: a bare gRPC TaskService whose SubmitTask answers immediately, the baseline of
// the reflex benchmarks and an orchestrator stand-in that costs nothing.
#include <chrono>
#include <cstdlib>
#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "echo_service.h"
#include "grpcpp/security/server_credentials.h"
#include "grpcpp/server.h"
#include "grpcpp/server_builder.h"
#include "octo/common/config.h"
#include "octo/common/log.h"
#include "octo/rpc/server.h"

namespace {

using octo::log::Fatal;

struct Config {
  // Same port as the orchestrator's default, so a default reflex forwards here.
  std::string listen = "127.0.0.1:50052";
  int max_message_bytes = 4 << 20;
  std::string log_level = "info";
};

}  // namespace

int main(int argc, char** argv) {
  octo::rpc::PrepareServerProcess();
  Config config;
  octo::common::ConfigBinder binder(
      "octo-echo",
      "Bare TaskService: SubmitTask answers at once with a SUCCEEDED task whose result is the\n"
      "goal; other methods are UNIMPLEMENTED. No health, reflection or metrics. Logs\n"
      "\"echo serving\" with grpc_port once it accepts calls.");
  binder.Bind("listen", "OCTO_ECHO_LISTEN", &config.listen, "gRPC listen address (port 0: any)");
  binder.Bind("max_message_bytes", "OCTO_MAX_MESSAGE_BYTES", &config.max_message_bytes,
              "largest gRPC message accepted");
  binder.Bind("log_level", "OCTO_LOG_LEVEL", &config.log_level, "debug | info | warn | error");
  binder.ParseOrExit(argc, argv);

  octo::log::InitOrExit("echo", config.log_level);

  octo::echo::EchoService service;

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort(config.listen, grpc::InsecureServerCredentials(), &port);
  builder.AddChannelArgument(GRPC_ARG_ALLOW_REUSEPORT, 0);  // a busy port fails, not shares
  builder.SetMaxReceiveMessageSize(config.max_message_bytes);
  builder.SetMaxSendMessageSize(config.max_message_bytes);
  builder.RegisterService(&service);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    Fatal(absl::UnavailableError(absl::StrCat("listen: cannot serve gRPC on ", config.listen)));
  }
  octo::log::Info("echo serving", {{"grpc_port", absl::StrCat(port)}});
  octo::rpc::WaitForShutdownSignal();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(2));
  server->Wait();
  octo::log::Info("echo stopped");
  return 0;
}
