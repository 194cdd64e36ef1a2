#include "server/api/account_service.h"

#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/io/coded_stream.h"
#include "google/protobuf/io/zero_copy_stream_impl_lite.h"
#include "server/api/idempotency.h"
#include "server/api/reactors.h"
#include "server/api/resource_names.h"
#include "server/errors/errors.h"
#include "server/errors/grpc_status.h"
#include "server/jumio/codec/account_codec.h"
#include "server/jumio/http_transport.h"
#include "server/observability/grpc_server_metrics.h"

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

// The Jumio call of an account write, ready to send, and the callback token
// binding to complete once Jumio names the account.
struct PreparedWrite {
  jumio::AccountWrite call;
  std::string binding;
  // What the reconciler needs to know of the execution the write starts.
  int64_t workflow_key = 0;
  absl::Duration token_lifetime = absl::Minutes(30);
};

// The gateway's own receiver becomes the callbackUrl unless the caller chose
// one.
template <typename Request, typename Response>
absl::StatusOr<PreparedWrite> Prepare(
    const ServiceContext& services, const Request& request,
    const AccountWrite<Request, Response>& write) {
  Request outgoing = request;
  PreparedWrite prepared;
  if (request.callback_url().empty() && services.callback_urls != nullptr) {
    if (!write.account_id.empty()) {
      outgoing.set_callback_url(
          services.callback_urls->UrlForAccount(write.account_id));
    } else {
      absl::StatusOr<CallbackUrlProvider::Issued> issued =
          services.callback_urls->IssueForNewAccount();
      if (!issued.ok()) return issued.status();
      outgoing.set_callback_url(issued->url);
      prepared.binding = issued->binding;
    }
  }
  absl::StatusOr<std::string> body = write.write(outgoing);
  if (!body.ok()) return body.status();
  prepared.call = {{write.region, write.account_id}, *std::move(body)};
  prepared.workflow_key = request.workflow_definition().key();
  if (request.has_token_lifetime()) {
    prepared.token_lifetime = absl::Seconds(request.token_lifetime().seconds());
  }  // else Jumio's default (the Portal's setting), 30 minutes
  return prepared;
}

// Sends the write and binds the new account's callback token when Jumio
// answered; `done` gets the response, or the error (a failed binding is an
// error carrying the account id: the account exists at Jumio, its callbacks
// would be refused, and the caller must hear about it).
template <typename Response>
jumio::JumioApi::Handle Send(const ServiceContext& services,
                             PreparedWrite prepared,
                             const jumio::CallOptions& options,
                             jumio::JumioApi::Handle (jumio::JumioApi::*send)(
                                 jumio::AccountWrite, const jumio::CallOptions&,
                                 jumio::JumioApi::Done<Response>),
                             jumio::JumioApi::Done<Response> done) {
  const std::string region = prepared.call.account.region;
  return (services.jumio->*send)(
      std::move(prepared.call), options,
      [callback_urls = services.callback_urls, executions = services.executions,
       region, binding = std::move(prepared.binding),
       workflow_key = prepared.workflow_key,
       token_lifetime = prepared.token_lifetime,
       done = std::move(done)](absl::StatusOr<Response> parsed) mutable {
        // Tracked before the caller hears of it, so that its result is
        // found even if its callback never comes.
        if (parsed.ok() && executions != nullptr) {
          executions->Started(region, parsed->account_id(),
                              parsed->workflow_execution().id(), workflow_key,
                              token_lifetime);
        }
        if (parsed.ok() && !binding.empty()) {
          absl::Status bound =
              callback_urls->Bind(binding, region, parsed->account_id());
          if (!bound.ok()) {
            errors::AddMetadata(bound, {{"accountId", parsed->account_id()}});
            parsed = std::move(bound);
          }
        }
        std::move(done)(std::move(parsed));
      });
}

// A write with a request_id: its RPC waits for the id's outcome
// (idempotency.h); a cancel ends the wait, never the call.
class RequestIdRpc : public InlineUnaryReactor {
 public:
  void OnCancel() override {
    std::shared_ptr<RequestIds::Waiter> waiter;
    {
      absl::MutexLock lock(&mu_);
      waiter = waiter_;
    }
    if (waiter != nullptr) waiter->Cancel();
  }
  void OnDone() override { delete this; }
  void SetWaiter(std::shared_ptr<RequestIds::Waiter> waiter) {
    absl::MutexLock lock(&mu_);
    waiter_ = std::move(waiter);
  }

 private:
  absl::Mutex mu_;
  std::shared_ptr<RequestIds::Waiter> waiter_ ABSL_GUARDED_BY(mu_);
};

template <typename Request, typename Response>
grpc::ServerUnaryReactor* RunWithRequestId(
    const ServiceContext& services, grpc::CallbackServerContext* context,
    const Request& request, Response* response,
    AccountWrite<Request, Response> write) {
  const std::string key = absl::StrCat(write.rpc, "/", request.request_id());
  auto* rpc = new RequestIdRpc();
  absl::Time deadline = absl::InfiniteFuture();
  if (context->deadline() != std::chrono::system_clock::time_point::max()) {
    deadline = absl::FromChrono(context->deadline());
  }
  const absl::Duration bound = services.options.upstream_timeout;
  RequestIds::Begun begun = services.idempotency->Begin(
      key, DeterministicBytes(request), deadline, bound,
      [rpc, response](absl::StatusOr<std::string> result) {
        absl::Status status = result.status();
        if (result.ok() && !response->ParseFromString(*result)) {
          status = errors::Error(absl::StatusCode::kInternal,
                                 v1::ERROR_REASON_INTERNAL,
                                 "the stored response is unreadable");
        }
        rpc->Finish(errors::ToGrpcStatus(status));
      });
  rpc->SetWaiter(begun.waiter);
  if (!begun.run) return rpc;

  RequestIds* ids = services.idempotency;
  absl::StatusOr<PreparedWrite> prepared = Prepare(services, request, write);
  if (!prepared.ok()) {
    absl::Status status = prepared.status();
    jumio::MarkRequestNotSent(status);
    ids->Finish(key, std::move(status));
    return rpc;
  }
  // Not the caller's deadline: once sent, the call runs to its own bound.
  jumio::CallOptions options;
  options.deadline = services.clock->Now() + bound;
  options.attempt_timeout = bound;
  options.request_id = observability::RequestId(*context);
  // The handle is dropped: nothing cancels this call.
  Send<Response>(services, *std::move(prepared), options, write.send,
                 [ids, key](absl::StatusOr<Response> result) {
                   if (result.ok()) {
                     ids->Finish(key, result->SerializeAsString(),
                                 result->account_id());
                   } else {
                     ids->Finish(key, result.status());
                   }
                 });
  return rpc;
}

template <typename Request, typename Response>
grpc::ServerUnaryReactor* RunAccountWrite(
    const ServiceContext& services, grpc::CallbackServerContext* context,
    const Request& request, Response* response,
    AccountWrite<Request, Response> write) {
  if (!request.request_id().empty()) {
    if (!IsUuid(request.request_id())) {
      return FinishNow(context, errors::InvalidField(
                                    "request_id", "must be a UUID when set"));
    }
    return RunWithRequestId(services, context, request, response,
                            std::move(write));
  }
  absl::StatusOr<PreparedWrite> prepared = Prepare(services, request, write);
  if (!prepared.ok()) return FinishNow(context, prepared.status());
  const jumio::CallOptions options = UpstreamOptions(
      *context, services.clock->Now(), services.options.upstream_timeout);
  return UnaryUpstreamRpc::Start(
      [&services, prepared = *std::move(prepared), options, send = write.send,
       response](UnaryUpstreamRpc::Finisher finish) mutable {
        return Send<Response>(services, std::move(prepared), options, send,
                              [response, finish = std::move(finish)](
                                  absl::StatusOr<Response> parsed) mutable {
                                if (parsed.ok()) *response = *std::move(parsed);
                                std::move(finish)(parsed.status());
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
  if (absl::Status s = Admit(context_, *context, {*region},
                             absl::StrCat("regions/", *region));
      !s.ok()) {
    return FinishNow(context, s);
  }
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
  if (absl::Status s =
          Admit(context_, *context, {name->region}, request->name());
      !s.ok()) {
    return FinishNow(context, s);
  }
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
  if (absl::Status s =
          Admit(context_, *context, {name->region}, request->name());
      !s.ok()) {
    return FinishNow(context, s);
  }
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
  if (absl::Status s =
          Admit(context_, *context, {name->region}, request->name());
      !s.ok()) {
    return FinishNow(context, s);
  }
  response->set_name(name->Format());
  if (context_.eraser != nullptr) {
    absl::Status begun =
        context_.eraser->Begin(name->region, name->account, "");
    if (!begun.ok()) return FinishNow(context, begun);
  }
  const jumio::CallOptions options = UpstreamOptions(
      *context, context_.clock->Now(), context_.options.upstream_timeout);
  return UnaryUpstreamRpc::Start(
      [this, account = jumio::AccountRef{name->region, name->account}, options,
       allow_missing =
           request->allow_missing()](UnaryUpstreamRpc::Finisher finish) {
        return context_.jumio->DeleteAccount(
            account, options,
            [this, account, allow_missing,
             finish = std::move(finish)](absl::Status status) mutable {
              // Gone at Jumio: the gateway's own records of it go too.
              EraseAfterDelete(context_, account.region, account.account, "",
                               allow_missing, std::move(status),
                               std::move(finish));
            });
      });
}

}  // namespace jumio_gateway::api
