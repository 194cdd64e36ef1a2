#include "server/api/account_service.h"

#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/api/grpc_status.h"
#include "server/api/jumio_rpc.h"
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
// gateway's own callbackUrl, the Jumio call and reading the answer.
template <typename Request, typename Response>
struct AccountWrite {
  const char* rpc;
  std::string region;
  std::string account_id;  // empty for a create
  std::string method;
  std::string path;
  std::string endpoint;
  std::function<absl::StatusOr<std::string>(const Request&)> write;
  absl::StatusOr<Response> (*read)(absl::string_view, absl::string_view);
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

  jumio::JumioCall call;
  call.region = write.region;
  call.host = config::HostKind::kAccount;
  call.method = write.method;
  call.path = write.path;
  call.endpoint = write.endpoint;
  call.body = *std::move(body);
  call.content_type = "application/json";
  call.deadline = UpstreamDeadline(*context, services.clock(),
                                   services.config->jumio.upstream_timeout);

  auto read = write.read;
  const std::string region = write.region;
  return UnaryJumioRpc::Start(
      context, *services.jumio, std::move(call),
      [&services, response, read, region, idempotency_key,
       binding](const jumio::HttpResponse& http) -> absl::Status {
        absl::StatusOr<Response> parsed = read(http.body, region);
        if (!parsed.ok()) {
          if (!idempotency_key.empty()) {
            services.idempotency->Abandon(idempotency_key);
          }
          return parsed.status();
        }
        *response = *std::move(parsed);
        if (!binding.empty()) {
          // The account exists at Jumio now; a failed binding only means its
          // callbacks will be rejected, which the caller must hear about rather
          // than a silent success.
          absl::Status bound = services.callback_urls->Bind(
              binding, region, response->account_id());
          if (!bound.ok()) return bound;
        }
        if (!idempotency_key.empty()) {
          services.idempotency->Complete(idempotency_key,
                                         response->SerializeAsString());
        }
        return absl::OkStatus();
      },
      [&services, idempotency_key](absl::Status status) {
        if (!idempotency_key.empty()) {
          services.idempotency->Abandon(idempotency_key);
        }
        return status;
      });
}

}  // namespace

codec::AccountBodyOptions AccountService::BodyOptions() const {
  codec::AccountBodyOptions options;
  options.allow_loopback_http_callback_url =
      context_.config->allow_loopback_http_callbacks;
  return options;
}

grpc::ServerUnaryReactor* AccountService::CreateAccount(
    grpc::CallbackServerContext* context,
    const v1::CreateAccountRequest* request,
    v1::CreateAccountResponse* response) {
  absl::StatusOr<std::string> region = ResolveRegion(
      request->region(), context_.config->jumio.default_region, "region");
  if (!region.ok()) return FinishNow(context, region.status());
  return RunAccountWrite<v1::CreateAccountRequest, v1::CreateAccountResponse>(
      context_, context, *request, response,
      {"CreateAccount", *region, "", "POST", "/api/v1/accounts",
       "account_create",
       [options = BodyOptions()](const v1::CreateAccountRequest& r) {
         return codec::WriteCreateAccountBody(r, options);
       },
       &codec::ReadCreateAccountResponse});
}

grpc::ServerUnaryReactor* AccountService::UpdateAccount(
    grpc::CallbackServerContext* context,
    const v1::UpdateAccountRequest* request,
    v1::UpdateAccountResponse* response) {
  absl::StatusOr<AccountName> name = ParseAccountName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  return RunAccountWrite<v1::UpdateAccountRequest, v1::UpdateAccountResponse>(
      context_, context, *request, response,
      {"UpdateAccount", name->region, name->account, "PUT",
       absl::StrCat("/api/v1/accounts/", name->account), "account_update",
       [options = BodyOptions()](const v1::UpdateAccountRequest& r) {
         return codec::WriteUpdateAccountBody(r, options);
       },
       &codec::ReadUpdateAccountResponse});
}

grpc::ServerUnaryReactor* AccountService::GetAccount(
    grpc::CallbackServerContext* context, const v1::GetAccountRequest* request,
    v1::GetAccountResponse* response) {
  absl::StatusOr<AccountName> name = ParseAccountName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  jumio::JumioCall call;
  call.region = name->region;
  call.host = config::HostKind::kRetrieval;
  call.path = absl::StrCat("/api/v1/accounts/", name->account);
  call.endpoint = "retrieval_account";
  call.deadline = UpstreamDeadline(*context, context_.clock(),
                                   context_.config->jumio.upstream_timeout);
  return UnaryJumioRpc::Start(
      context, *context_.jumio, std::move(call),
      [response, name = *name](const jumio::HttpResponse& http) {
        absl::StatusOr<v1::Account> account =
            codec::ReadAccount(http.body, name.region, name.account);
        if (!account.ok()) return account.status();
        *response->mutable_account() = *std::move(account);
        return absl::OkStatus();
      });
}

grpc::ServerUnaryReactor* AccountService::DeleteAccount(
    grpc::CallbackServerContext* context,
    const v1::DeleteAccountRequest* request,
    v1::DeleteAccountResponse* response) {
  absl::StatusOr<AccountName> name = ParseAccountName(request->name(), "name");
  if (!name.ok()) return FinishNow(context, name.status());
  jumio::JumioCall call;
  call.region = name->region;
  call.host = config::HostKind::kRetrieval;
  call.method = "DELETE";
  call.path = absl::StrCat("/api/v1/accounts/", name->account);
  call.endpoint = "account_delete";
  call.deadline = UpstreamDeadline(*context, context_.clock(),
                                   context_.config->jumio.upstream_timeout);
  const std::string formatted = name->Format();
  response->set_name(formatted);
  const bool allow_missing = request->allow_missing();
  return UnaryJumioRpc::Start(
      context, *context_.jumio, std::move(call),
      [](const jumio::HttpResponse&) { return absl::OkStatus(); },
      [allow_missing](absl::Status status) {
        if (allow_missing && status.code() == absl::StatusCode::kNotFound) {
          return absl::OkStatus();
        }
        return status;
      });
}

}  // namespace jumio_gateway::api
