// Every gRPC service of jumio.gateway.v1, ready to register on a
// grpc::ServerBuilder.
#ifndef JUMIO_GATEWAY_SERVER_API_SERVICES_H_
#define JUMIO_GATEWAY_SERVER_API_SERVICES_H_

#include <grpcpp/impl/codegen/service_type.h>
#include <grpcpp/server_builder.h>

#include <memory>
#include <vector>

#include "server/api/service_context.h"

namespace jumio_gateway::api {

// grpc.health.v1 service names. Kubernetes probes ask for these by name:
// liveness says the process works, readiness says it should receive traffic
// (NOT_SERVING while draining).
inline constexpr char kLivenessService[] = "liveness";
inline constexpr char kReadinessService[] = "readiness";

// Owns the service implementations; must outlive the grpc::Server they are
// registered on.
class Services {
 public:
  // `callback_feed` implements jumio.gateway.v1.CallbackFeedService and must
  // outlive this; null registers a stand-in that answers UNIMPLEMENTED (a
  // gateway run without its callback receiver).
  Services(ServiceContext context, grpc::Service* callback_feed);
  ~Services();
  Services(const Services&) = delete;
  Services& operator=(const Services&) = delete;

  void RegisterWith(grpc::ServerBuilder& builder);

  // Full names of the services RegisterWith adds, e.g.
  // "jumio.gateway.v1.AccountService".
  static std::vector<std::string> ServiceNames();

 private:
  std::vector<std::unique_ptr<grpc::Service>> owned_;
  std::vector<grpc::Service*> services_;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_SERVICES_H_
