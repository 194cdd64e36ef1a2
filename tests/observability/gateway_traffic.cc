// Sends a bounded mix of RPCs to a running gateway so that every metric family
// has samples: successful and failing API calls (which reach the upstream and
// need tokens), caller errors, health checks. Usage:
//   gateway_traffic <host:port> <rounds>
#include <grpcpp/grpcpp.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>

#include "grpc/health/v1/health.grpc.pb.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "jumio/gateway/v1/platform.grpc.pb.h"

namespace {

template <typename Context>
void SetDeadline(Context& context) {
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s host:port rounds\n", argv[0]);
    return 2;
  }
  const int rounds = std::atoi(argv[2]);
  auto channel =
      grpc::CreateChannel(argv[1], grpc::InsecureChannelCredentials());
  auto health = grpc::health::v1::Health::NewStub(channel);
  auto accounts = jumio::gateway::v1::AccountService::NewStub(channel);
  auto platform = jumio::gateway::v1::PlatformService::NewStub(channel);
  int completed = 0;
  for (int i = 0; i < rounds; ++i) {
    {
      grpc::ClientContext context;
      SetDeadline(context);
      grpc::health::v1::HealthCheckRequest request;
      request.set_service("readiness");
      grpc::health::v1::HealthCheckResponse response;
      health->Check(&context, request, &response);
    }
    {
      grpc::ClientContext context;
      SetDeadline(context);
      context.AddMetadata("x-request-id", "traffic-" + std::to_string(i));
      jumio::gateway::v1::GetPlatformStatusRequest request;
      jumio::gateway::v1::GetPlatformStatusResponse response;
      platform->GetPlatformStatus(&context, request, &response);
    }
    {
      // A well-formed name the upstream does not know: token, upstream 404.
      grpc::ClientContext context;
      SetDeadline(context);
      jumio::gateway::v1::GetAccountRequest request;
      request.set_name(
          "regions/amer-1/accounts/00000000-0000-4000-8000-00000000000" +
          std::to_string(i % 10));
      jumio::gateway::v1::GetAccountResponse response;
      accounts->GetAccount(&context, request, &response);
    }
    {
      // Rejected before any upstream call: InvalidArgument.
      grpc::ClientContext context;
      SetDeadline(context);
      jumio::gateway::v1::GetAccountRequest request;
      request.set_name("not-a-resource-name");
      jumio::gateway::v1::GetAccountResponse response;
      accounts->GetAccount(&context, request, &response);
    }
    ++completed;
  }
  std::printf("%d rounds\n", completed);
  return 0;
}
