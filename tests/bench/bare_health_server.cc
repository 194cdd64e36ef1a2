// A gRPC server that answers only grpc.health.v1.Health/Check, with nothing
// of the gateway in it: gateway_bench's paths D and E, the floor of what gRPC
// itself (Debian's 1.51, this machine) costs per unary call.
//
//   bare_health_server --model=callback --port_file=F   # the gateway's API
//   bare_health_server --model=async --port_file=F      # one CQ thread
//
// callback: Health::CallbackService, the API every gateway service uses; gRPC
//   runs it on its own two "nexting" threads, which take turns polling.
// async: Health::AsyncService on one ServerCompletionQueue, one thread that
//   polls and answers inline (the classic async state machine), 16 calls
//   requested ahead.
// Listens on 127.0.0.1, port 0, writes the port to --port_file and serves until
// SIGTERM or SIGINT.
#include <grpcpp/grpcpp.h>
#include <signal.h>

#include <cstdio>
#include <fstream>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "grpc/health/v1/health.grpc.pb.h"

ABSL_FLAG(std::string, model, "callback", "callback or async");
ABSL_FLAG(std::string, port_file, "", "where the bound port is written");

namespace jumio_gateway::bench {
namespace {

using grpc::health::v1::Health;
using grpc::health::v1::HealthCheckRequest;
using grpc::health::v1::HealthCheckResponse;

class CallbackHealth final : public Health::CallbackService {
  grpc::ServerUnaryReactor* Check(grpc::CallbackServerContext* context,
                                  const HealthCheckRequest* /*request*/,
                                  HealthCheckResponse* response) override {
    response->set_status(HealthCheckResponse::SERVING);
    grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
    reactor->Finish(grpc::Status::OK);
    return reactor;
  }
};

// One Check call of the async model: requested, then answered, then deleted.
class AsyncCheck {
 public:
  AsyncCheck(Health::AsyncService* service, grpc::ServerCompletionQueue* cq)
      : service_(service), cq_(cq), responder_(&context_) {
    service_->RequestCheck(&context_, &request_, &responder_, cq_, cq_, this);
  }

  // `ok` false: the server is shutting down and the request never came.
  void Proceed(bool ok) {
    if (answered_ || !ok) {
      delete this;
      return;
    }
    new AsyncCheck(service_, cq_);  // the next call, requested ahead
    response_.set_status(HealthCheckResponse::SERVING);
    answered_ = true;
    responder_.Finish(response_, grpc::Status::OK, this);
  }

 private:
  Health::AsyncService* const service_;
  grpc::ServerCompletionQueue* const cq_;
  grpc::ServerContext context_;
  HealthCheckRequest request_;
  HealthCheckResponse response_;
  grpc::ServerAsyncResponseWriter<HealthCheckResponse> responder_;
  bool answered_ = false;
};

int Main() {
  const std::string model = absl::GetFlag(FLAGS_model);
  if (model != "callback" && model != "async") {
    std::fprintf(stderr, "--model must be callback or async\n");
    return 2;
  }
  // Blocked before any thread starts, so that only sigwait() sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  CallbackHealth callback_service;
  Health::AsyncService async_service;
  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  std::unique_ptr<grpc::ServerCompletionQueue> cq;
  if (model == "callback") {
    builder.RegisterService(&callback_service);
  } else {
    builder.RegisterService(&async_service);
    cq = builder.AddCompletionQueue();
  }
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (server == nullptr || port == 0) {
    std::fprintf(stderr, "cannot start the server\n");
    return 1;
  }
  std::thread poller;
  if (cq != nullptr) {
    constexpr int kRequestedAhead = 16;
    for (int i = 0; i < kRequestedAhead; ++i) {
      new AsyncCheck(&async_service, cq.get());
    }
    poller = std::thread([queue = cq.get()] {
      void* tag = nullptr;
      bool ok = false;
      while (queue->Next(&tag, &ok)) static_cast<AsyncCheck*>(tag)->Proceed(ok);
    });
  }
  const std::string port_file = absl::GetFlag(FLAGS_port_file);
  if (!port_file.empty()) {
    const std::string partial = port_file + ".partial";
    std::ofstream(partial) << port << "\n";
    std::rename(partial.c_str(), port_file.c_str());
  }
  int signal = 0;
  sigwait(&signals, &signal);
  server->Shutdown();
  if (cq != nullptr) {
    cq->Shutdown();
    poller.join();
  }
  return 0;
}

}  // namespace
}  // namespace jumio_gateway::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return jumio_gateway::bench::Main();
}
