// jumio.gateway.v1.AccountService: account create/update/get/delete against
// Jumio's account and retrieval hosts.
#ifndef JUMIO_GATEWAY_SERVER_API_ACCOUNT_SERVICE_H_
#define JUMIO_GATEWAY_SERVER_API_ACCOUNT_SERVICE_H_

#include "jumio/gateway/v1/account.grpc.pb.h"
#include "server/api/service_context.h"
#include "server/jumio/codec/account_codec.h"

namespace jumio_gateway::api {

class AccountService final
    : public ::jumio::gateway::v1::AccountService::CallbackService {
 public:
  explicit AccountService(ServiceContext context) : context_(context) {}

  grpc::ServerUnaryReactor* CreateAccount(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::CreateAccountRequest* request,
      ::jumio::gateway::v1::CreateAccountResponse* response) override;
  grpc::ServerUnaryReactor* UpdateAccount(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::UpdateAccountRequest* request,
      ::jumio::gateway::v1::UpdateAccountResponse* response) override;
  grpc::ServerUnaryReactor* GetAccount(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::GetAccountRequest* request,
      ::jumio::gateway::v1::GetAccountResponse* response) override;
  grpc::ServerUnaryReactor* DeleteAccount(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::DeleteAccountRequest* request,
      ::jumio::gateway::v1::DeleteAccountResponse* response) override;

 private:
  codec::AccountBodyOptions BodyOptions() const;

  const ServiceContext context_;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_ACCOUNT_SERVICE_H_
