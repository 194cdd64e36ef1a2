// jumio.gateway.v1.CredentialService: part uploads (client streaming, checked
// before anything goes upstream) and part downloads (server streaming).
#ifndef JUMIO_GATEWAY_SERVER_API_CREDENTIAL_SERVICE_H_
#define JUMIO_GATEWAY_SERVER_API_CREDENTIAL_SERVICE_H_

#include "jumio/gateway/v1/credential.grpc.pb.h"
#include "server/api/service_context.h"

namespace jumio_gateway::api {

class CredentialService final
    : public ::jumio::gateway::v1::CredentialService::CallbackService {
 public:
  explicit CredentialService(ServiceContext context) : context_(context) {}

  grpc::ServerReadReactor<::jumio::gateway::v1::UploadCredentialPartRequest>*
  UploadCredentialPart(
      grpc::CallbackServerContext* context,
      ::jumio::gateway::v1::UploadCredentialPartResponse* response) override;

  grpc::ServerWriteReactor<::jumio::gateway::v1::GetCredentialPartResponse>*
  GetCredentialPart(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::GetCredentialPartRequest* request) override;

 private:
  const ServiceContext context_;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_CREDENTIAL_SERVICE_H_
