// jumio.gateway.v1.CredentialService: part uploads (client streaming, checked
// before anything goes upstream) and part downloads (server streaming).
#ifndef JUMIO_GATEWAY_SERVER_API_CREDENTIAL_SERVICE_H_
#define JUMIO_GATEWAY_SERVER_API_CREDENTIAL_SERVICE_H_

#include "jumio/gateway/v1/credential.grpc.pb.h"
#include "server/api/service_context.h"

namespace jumio_gateway::api {

// UploadCredentialPart is a raw method: it reads ByteBuffers and parses each
// message itself, to tell a malformed message from the end of the stream
// (request_guard.h).
class CredentialService final
    : public ::jumio::gateway::v1::CredentialService::
          WithRawCallbackMethod_UploadCredentialPart<
              ::jumio::gateway::v1::CredentialService::
                  WithCallbackMethod_GetCredentialPart<
                      ::jumio::gateway::v1::CredentialService::Service>> {
 public:
  explicit CredentialService(ServiceContext context) : context_(context) {}

  // Messages are UploadCredentialPartRequest; the response an
  // UploadCredentialPartResponse.
  grpc::ServerReadReactor<grpc::ByteBuffer>* UploadCredentialPart(
      grpc::CallbackServerContext* context,
      grpc::ByteBuffer* response) override;

  grpc::ServerWriteReactor<::jumio::gateway::v1::GetCredentialPartResponse>*
  GetCredentialPart(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::GetCredentialPartRequest* request) override;

 private:
  const ServiceContext context_;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_CREDENTIAL_SERVICE_H_
