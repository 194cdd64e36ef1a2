#include "server/jumio/jumio_client.h"

#include <algorithm>
#include <utility>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "server/errors/errors.h"
#include "server/jumio/upstream_errors.h"

namespace jumio_gateway::jumio {

// The state of one call across its (at most two) HTTP attempts. Owned by
// shared_ptrs held by the caller's handle and by the attempt in flight.
class JumioClient::Operation
    : public CallHandle,
      public std::enable_shared_from_this<JumioClient::Operation> {
 public:
  Operation(JumioClient* client, JumioCall call, Callback done)
      : client_(client), call_(std::move(call)), done_(std::move(done)) {}

  void Start() { Authorize(); }

  void Cancel() override {
    absl::optional<TransferId> transfer;
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return;
      cancelled_ = true;
      transfer = transfer_;
    }
    // The transport completes the transfer with CANCELLED, which finishes the
    // call.
    if (transfer.has_value()) client_->transport_->Cancel(*transfer);
  }

 private:
  void Authorize() {
    if (!call_.authenticate || !call_.authorization.empty()) {
      Send(call_.authorization);
      return;
    }
    client_->tokens_->GetAuthorization(
        call_.region, [self = shared_from_this()](
                          absl::StatusOr<std::string> authorization) mutable {
          if (!authorization.ok()) {
            self->Finish(authorization.status());
            return;
          }
          self->Send(*authorization);
        });
  }

  void Send(const std::string& authorization) {
    const auto endpoints = client_->config_.regions.find(call_.region);
    if (endpoints == client_->config_.regions.end()) {
      Finish(errors::Error(
          absl::StatusCode::kFailedPrecondition,
          ::jumio::gateway::v1::ERROR_REASON_REGION_NOT_CONFIGURED,
          "region not configured", {{"region", call_.region}}));
      return;
    }
    if (client_->clock_.Now() >= call_.deadline) {
      Finish(StatusFromTransport(absl::DeadlineExceededError("deadline passed"),
                                 call_.region, call_.endpoint));
      return;
    }
    HttpRequest request;
    request.method = call_.method;
    request.url = endpoints->second.For(call_.host) + call_.path;
    const absl::Time now = client_->clock_.Now();
    attempt_deadline_ =
        call_.attempt_timeout == absl::InfiniteDuration()
            ? call_.deadline
            : std::min(call_.deadline, now + call_.attempt_timeout);
    request.deadline = attempt_deadline_;
    request.headers = {{"Accept", call_.accept},
                       {"User-Agent", client_->config_.user_agent}};
    if (!authorization.empty()) {
      request.headers.emplace_back("Authorization", authorization);
    }
    if (!call_.content_type.empty()) {
      request.headers.emplace_back("Content-Type", call_.content_type);
    }
    if (!call_.request_id.empty()) {
      request.headers.emplace_back("X-Request-ID", call_.request_id);
    }
    request.body = call_.body;  // shares the bytes
    request.max_response_bytes = call_.max_response_bytes;
    authorization_ = authorization;

    bool cancelled;
    {
      absl::MutexLock lock(&mu_);
      cancelled = cancelled_;
      started_ = client_->clock_.Now();
    }
    if (cancelled) {
      Finish(StatusFromTransport(absl::CancelledError("cancelled"),
                                 call_.region, call_.endpoint));
      return;
    }
    // Not under mu_: the transport may complete inline, and OnResponse takes
    // mu_.
    const TransferId id = client_->transport_->Send(
        std::move(request),
        [self = shared_from_this()](absl::StatusOr<HttpResponse> response) {
          self->OnResponse(std::move(response));
        });
    bool cancel_now = false;
    {
      absl::MutexLock lock(&mu_);
      if (!finished_attempt_) {
        transfer_ = id;
        // Cancel() ran between the check above and Send: it could not see the
        // transfer.
        cancel_now = cancelled_;
      }
    }
    if (cancel_now) client_->transport_->Cancel(id);
  }

  void OnResponse(absl::StatusOr<HttpResponse> response) {
    {
      absl::MutexLock lock(&mu_);
      finished_attempt_ = true;
      transfer_.reset();
    }
    const int http_status = response.ok() ? response->status : 0;
    if (client_->observer_) {
      absl::Time started;
      {
        absl::MutexLock lock(&mu_);
        started = started_;
      }
      client_->observer_(call_, http_status, client_->clock_.Now() - started,
                         response.ok() ? absl::OkStatus() : response.status());
    }
    if (!response.ok()) {
      if (response.status().code() == absl::StatusCode::kDeadlineExceeded &&
          attempt_deadline_ < call_.deadline) {
        Finish(StatusFromAttemptTimeout(call_.region, call_.endpoint));
        return;
      }
      Finish(
          StatusFromTransport(response.status(), call_.region, call_.endpoint));
      return;
    }
    // A 401 with a cached token usually means Jumio revoked it early: refresh
    // once, retry once.
    if (http_status == 401 && call_.authenticate &&
        call_.authorization.empty() && !retried_) {
      retried_ = true;
      client_->tokens_->Invalidate(call_.region, authorization_);
      {
        absl::MutexLock lock(&mu_);
        finished_attempt_ = false;
      }
      Authorize();
      return;
    }
    absl::Status status =
        StatusFromHttp(*response, call_.region, call_.endpoint);
    if (!status.ok()) {
      Finish(std::move(status));
      return;
    }
    Finish(*std::move(response));
  }

  void Finish(absl::StatusOr<HttpResponse> result) {
    Callback done;
    {
      absl::MutexLock lock(&mu_);
      if (!done_) return;
      done = std::move(done_);
      done_ = nullptr;
    }
    std::move(done)(std::move(result));
  }

  JumioClient* const client_;
  const JumioCall call_;
  absl::Mutex mu_;
  Callback done_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_attempt_ ABSL_GUARDED_BY(mu_) = false;
  absl::optional<TransferId> transfer_ ABSL_GUARDED_BY(mu_);
  // Only touched by the attempt in progress, one at a time.
  bool retried_ = false;
  std::string authorization_;
  absl::Time attempt_deadline_ = absl::InfiniteFuture();
  absl::Time started_ ABSL_GUARDED_BY(mu_);
};

JumioClient::JumioClient(const jumio::JumioHosts& config,
                         HttpTransport* transport, TokenSource* tokens,
                         const Clock& clock, Observer observer)
    : config_(config),
      transport_(transport),
      tokens_(tokens),
      clock_(clock),
      observer_(std::move(observer)) {}

std::shared_ptr<CallHandle> JumioClient::Call(JumioCall call, Callback done) {
  auto operation =
      std::make_shared<Operation>(this, std::move(call), std::move(done));
  operation->Start();
  return operation;
}

}  // namespace jumio_gateway::jumio
