#include "server/api/account_service.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/api/reactors.h"
#include "server/api/resource_names.h"
#include "server/errors/errors.h"
#include "server/jumio/codec/account_codec.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;

bool IsUuid(const std::string& id) {
  if (id.size() != 36) return false;
  for (size_t i = 0; i < id.size(); ++i) {
    const bool dash = i == 8 || i == 13 || i == 18 || i == 23;
    if (dash ? id[i] != '-'
             : !absl::ascii_isxdigit(static_cast<unsigned char>(id[i]))) {
      return false;
    }
  }
  return true;
}

std::string DeterministicBytes(const google::protobuf::Message& message) {
  std::string bytes;
  {
    google::protobuf::io::StringOutputStream stream(&bytes);
    google::protobuf::io::CodedOutputStream coded(&stream);
    coded.SetSerializationDeterministic(true);
    message.SerializeToCodedStream(&coded);
  }
  return bytes;
}

// What CreateAccount and UpdateAccount share: the request_id protocol, the
// gateway's own callbackUrl, and the Jumio call.
template <typename Request, typename Response>
struct AccountWrite {
  const char* rpc;
  std::string region;
  std::string account_id;  // empty for a create
  std::function<absl::StatusOr<std::string>(const Request&)> write;
  // CreateAccount or UpdateAccount of the JumioApi.
  jumio::JumioApi::Handle (jumio::JumioApi::*send)(
      jumio::AccountWrite, const jumio::CallOptions&,
      jumio::JumioApi::Done<Response>);
};

template <typename Request, typename Response>
grpc::ServerUnaryReactor* RunAccountWrite(
    const ServiceContext& services, grpc::CallbackServerContext* context,
    const Request& request, Response* response,
    AccountWrite<Request, Response> write) {
  std::string idempotency_key;
  if (!request.request_id().empty()) {
    if (!IsUuid(request.request_id())) {
      return FinishNow(context, errors::InvalidField(
                                    "request_id", "must be a UUID when set"));
    }
    idempotency_key = absl::StrCat(write.rpc, "/", request.request_id());
    IdempotencyStore::Result seen = services.idempotency->Begin(
        idempotency_key, DeterministicBytes(request));
    switch (seen.outcome) {
      case IdempotencyStore::Outcome::kStarted:
        break;
      case IdempotencyStore::Outcome::kReplay:
        response->ParseFromString(seen.response);
        return FinishNow(context, absl::OkStatus());
      case IdempotencyStore::Outcome::kInProgress: {
        absl::Status status = errors::Error(
            absl::StatusCode::kAborted, v1::ERROR_REASON_REQUEST_IN_PROGRESS,
            "a call with this request_id is still in progress");
        errors::SetRetryDelay(status, absl::Seconds(1));
        return FinishNow(context, status);
      }
      case IdempotencyStore::Outcome::kConflict:
        return FinishNow(
            context, errors::Error(absl::StatusCode::kAlreadyExists,
                                   v1::ERROR_REASON_REQUEST_ID_REUSED,
                                   "request_id was used with another request"));
    }
  }
  auto abandon = [&services, idempotency_key] {
    if (!idempotency_key.empty())
      services.idempotency->Abandon(idempotency_key);
  };

  // The gateway's own receiver becomes the callbackUrl unless the caller chose
  // one.
  Request outgoing = request;
  std::string binding;
  if (request.callback_url().empty() && services.callback_urls != nullptr) {
    if (!write.account_id.empty()) {
      outgoing.set_callback_url(
          services.callback_urls->UrlForAccount(write.account_id));
    } else {
      absl::StatusOr<CallbackUrlProvider::Issued> issued =
          services.callback_urls->IssueForNewAccount();
      if (!issued.ok()) {
        abandon();
        return FinishNow(context, issued.status());
      }
      outgoing.set_callback_url(issued->url);
      binding = issued->binding;
    }
  }
  absl::StatusOr<std::string> body = write.write(outgoing);
  if (!body.ok()) {
    abandon();
    return FinishNow(context, body.status());
  }

  // What the reconciler needs to know of the execution this call starts.
  const int64_t workflow_key = request.workflow_definition().key();
  const absl::Duration token_lifetime =
      request.has_token_lifetime()
          ? absl::Seconds(request.token_lifetime().seconds())
          : absl::Minutes(30);  // Jumio's default (the Portal's setting)

  jumio::AccountWrite call{{write.region, write.account_id}, *std::move(body)};
  const jumio::CallOptions options = UpstreamOptions(
      *context, services.clock->Now(), services.options.upstream_timeout);
  return UnaryUpstreamRpc::Start(
      [&services, call = std::move(call), options, send = write.send, response,
       idempotency_key, binding, workflow_key,
       token_lifetime](UnaryUpstreamRpc::Finisher finish) mutable {
        const std::string region = call.account.region;
        return (services.jumio->*send)(
            std::move(call), options,
            [&services, response, region, idempotency_key, binding,
             workflow_key, token_lifetime, finish = std::move(finish)](
                absl::StatusOr<Response> parsed) mutable {
              absl::Status status = parsed.status();
              if (parsed.ok()) {
                *response = *std::move(parsed);
                // Tracked before the caller hears of it, so that its result
                // is found even if the callback never comes.
                if (services.executions != nullptr) {
                  services.executions->Started(
                      region, response->account_id(),
                      response->workflow_execution().id(), workflow_key,
                      token_lifetime);
                }
                if (!binding.empty()) {
                  // The account exists at Jumio now; a failed binding only
                  // means its callbacks will be rejected, which the caller must
                  // hear about rather than a silent success.
                  status = services.callback_urls->Bind(binding, region,
                                                        response->account_id());
                }
              }
              if (!idempotency_key.empty()) {
                if (status.ok()) {
                  services.idempotency->Complete(idempotency_key,
                                                 response->SerializeAsString());
                } else {
                  services.idempotency->Abandon(idempotency_key);
                }
              }
              std::move(finish)(status);
            });
      });
}

}  // namespace

codec::AccountBodyOptions AccountService::BodyOptions() const {
  codec::AccountBodyOptions options;
  options.allow_loopback_http_callback_url =
      context_.options.allow_loopback_http_callbacks;
  return options;
}

grpc::ServerUnaryReactor* AccountService::CreateAccount(
    grpc::CallbackServerContext* context,
    const v1::CreateAccountRequest* request,
    v1::CreateAccountResponse* response) {
  absl::StatusOr<std::string> region = ResolveRegion(
      request->region(), context_.options.default_region, "region");
  if (!region.ok()) return FinishNow(context, region.status());
  return RunAccountWrite<v1::CreateAccountRequest, v1::CreateAccountResponse>(
      context_, context, *request, response,
      {"CreateAccount", *region, "",
       [options = BodyOptions()](const v1::CreateAccountRequest& r) {
         return codec::WriteCreateAccountBody(r, options);
       },
       &jumio::JumioApi::CreateAccount});
}

grpc::ServerUnaryReactor* AccountService::UpdateAccount(
    grpc::CallbackServerContext* context,
    const v1::UpdateAccountRequest* request,
    v1::UpdateAccountResponse* response) {
  absl::StatusOr<AccountName> name = ParseAccountName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  return RunAccountWrite<v1::UpdateAccountRequest, v1::UpdateAccountResponse>(
      context_, context, *request, response,
      {"UpdateAccount", name->region, name->account,
       [options = BodyOptions()](const v1::UpdateAccountRequest& r) {
         return codec::WriteUpdateAccountBody(r, options);
       },
       &jumio::JumioApi::UpdateAccount});
}

grpc::ServerUnaryReactor* AccountService::GetAccount(
    grpc::CallbackServerContext* context, const v1::GetAccountRequest* request,
    v1::GetAccountResponse* response) {
  absl::StatusOr<AccountName> name = ParseAccountName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  const jumio::CallOptions options = UpstreamOptions(
      *context, context_.clock->Now(), context_.options.upstream_timeout);
  return UnaryUpstreamRpc::Start(
      [this, account = jumio::AccountRef{name->region, name->account}, options,
       response](UnaryUpstreamRpc::Finisher finish) {
        return context_.jumio->GetAccount(
            account, options,
            [response, finish = std::move(finish)](
                absl::StatusOr<v1::Account> found) mutable {
              if (found.ok()) *response->mutable_account() = *std::move(found);
              std::move(finish)(found.status());
            });
      });
}

grpc::ServerUnaryReactor* AccountService::DeleteAccount(
    grpc::CallbackServerContext* context,
    const v1::DeleteAccountRequest* request,
    v1::DeleteAccountResponse* response) {
  absl::StatusOr<AccountName> name = ParseAccountName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  response->set_name(name->Format());
  const jumio::CallOptions options = UpstreamOptions(
      *context, context_.clock->Now(), context_.options.upstream_timeout);
  return UnaryUpstreamRpc::Start(
      [this, account = jumio::AccountRef{name->region, name->account}, options,
       allow_missing =
           request->allow_missing()](UnaryUpstreamRpc::Finisher finish) {
        return context_.jumio->DeleteAccount(
            account, options,
            [allow_missing,
             finish = std::move(finish)](absl::Status status) mutable {
              std::move(finish)(AllowMissing(allow_missing, std::move(status)));
            });
      });
}

}  // namespace jumio_gateway::api
