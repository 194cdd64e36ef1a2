// jumio.gateway.v1.PlatformService: Jumio's status API of every requested
// region, read in parallel. A region that cannot be read is reported with its
// error; the RPC itself succeeds.
#ifndef JUMIO_GATEWAY_SERVER_API_PLATFORM_SERVICE_H_
#define JUMIO_GATEWAY_SERVER_API_PLATFORM_SERVICE_H_

#include "jumio/gateway/v1/platform.grpc.pb.h"
#include "server/api/service_context.h"

namespace jumio_gateway::api {

class PlatformService final
    : public ::jumio::gateway::v1::PlatformService::CallbackService {
 public:
  explicit PlatformService(ServiceContext context) : context_(context) {}

  grpc::ServerUnaryReactor* GetPlatformStatus(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::GetPlatformStatusRequest* request,
      ::jumio::gateway::v1::GetPlatformStatusResponse* response) override;

 private:
  const ServiceContext context_;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_PLATFORM_SERVICE_H_
