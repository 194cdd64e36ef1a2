#include "server/resilience/rate_limited_jumio_api.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/functional/any_invocable.h"
#include "absl/strings/str_cat.h"
#include "absl/types/optional.h"
#include "server/errors/errors.h"
#include "server/jumio/http_transport.h"
#include "server/jumio/upstream_errors.h"

namespace jumio_gateway::resilience {
namespace {

namespace v1 = ::jumio::gateway::v1;

// The handle of a call answered before anything was sent.
class Answered final : public jumio::CallHandle {
 public:
  void Cancel() override {}
};

}  // namespace

const char* OperationClassName(OperationClass op) {
  switch (op) {
    case OperationClass::kAccountWrite:
      return "account_write";
    case OperationClass::kRetrieval:
      return "retrieval";
    case OperationClass::kOther:
      return "other";
  }
  return "other";
}

// A call waiting for its turn on the timer, then the call in flight. Owned by
// shared_ptrs held by the caller's handle and the timer task.
template <typename DoneT>
class RateLimitedJumioApi::Waiter
    : public jumio::CallHandle,
      public std::enable_shared_from_this<RateLimitedJumioApi::Waiter<DoneT>> {
 public:
  using Start = absl::AnyInvocable<Handle(DoneT) &&>;

  Waiter(RateLimitedJumioApi* api, Route route, std::string key, DoneT done,
         Start start)
      : api_(api),
        route_(std::move(route)),
        key_(std::move(key)),
        done_(std::move(done)),
        start_(std::move(start)) {}

  void Schedule(absl::Time at) {
    absl::MutexLock lock(&mu_);
    timer_ = api_->timer_->Schedule(
        at, [self = this->shared_from_this()] { self->Fire(); });
  }

  void Cancel() override {
    Handle inner;
    absl::optional<core::TimerThread::TimerId> timer;
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_) return;
      cancelled_ = true;
      if (sent_) {
        inner = inner_;  // null while Fire is sending: it cancels then
      } else {
        timer = timer_;
      }
    }
    if (inner != nullptr) {
      inner->Cancel();
    } else if (timer.has_value() && api_->timer_->Cancel(*timer)) {
      // Fire will never run: answer here.
      api_->Left(key_);
      DoneT done;
      {
        absl::MutexLock lock(&mu_);
        done = std::move(done_);
      }
      std::move(done)(api_->Cancelled(route_));
    }
    // Otherwise Fire is running and sees cancelled_.
  }

 private:
  void Fire() {
    api_->Left(key_);
    DoneT done;
    bool cancelled;
    {
      absl::MutexLock lock(&mu_);
      cancelled = cancelled_;
      sent_ = !cancelled;
      done = std::move(done_);
    }
    if (cancelled) {
      std::move(done)(api_->Cancelled(route_));
      return;
    }
    Handle inner = std::move(start_)(std::move(done));
    bool cancel_now;
    {
      absl::MutexLock lock(&mu_);
      inner_ = inner;
      cancel_now = cancelled_;  // Cancel ran while the call was being sent
    }
    if (cancel_now && inner != nullptr) inner->Cancel();
  }

  RateLimitedJumioApi* const api_;
  const Route route_;
  const std::string key_;
  absl::Mutex mu_;
  DoneT done_ ABSL_GUARDED_BY(mu_);
  Start start_;  // used once, by Fire
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool sent_ ABSL_GUARDED_BY(mu_) = false;
  absl::optional<core::TimerThread::TimerId> timer_ ABSL_GUARDED_BY(mu_);
  Handle inner_ ABSL_GUARDED_BY(mu_);
};

RateLimitedJumioApi::RateLimitedJumioApi(jumio::JumioApi* inner,
                                         const core::Clock& clock,
                                         core::TimerThread* timer,
                                         RateLimiter* limiter,
                                         RateLimitOptions options,
                                         observability::GatewayMetrics* metrics)
    : inner_(inner),
      clock_(clock),
      timer_(timer),
      limiter_(limiter),
      options_(std::move(options)),
      metrics_(metrics) {}

RateLimitedJumioApi::~RateLimitedJumioApi() = default;

const RateLimit& RateLimitedJumioApi::LimitOf(OperationClass op) const {
  switch (op) {
    case OperationClass::kAccountWrite:
      return options_.account_write;
    case OperationClass::kRetrieval:
      return options_.retrieval;
    case OperationClass::kOther:
      break;
  }
  return options_.other;
}

int RateLimitedJumioApi::Waiting(const std::string& region, OperationClass op) {
  absl::MutexLock lock(&mu_);
  const auto found =
      waiting_.find(absl::StrCat(region, "/", OperationClassName(op)));
  return found == waiting_.end() ? 0 : found->second;
}

void RateLimitedJumioApi::Left(const std::string& key) {
  absl::MutexLock lock(&mu_);
  --waiting_[key];
}

absl::Status RateLimitedJumioApi::Cancelled(const Route& route) const {
  return jumio::StatusFromTransport(absl::CancelledError("cancelled"),
                                    route.region, route.endpoint);
}

RateLimitedJumioApi::Admission RateLimitedJumioApi::Admit(const Route& route,
                                                          absl::Time deadline) {
  Admission admission;
  const RateLimit& limit = LimitOf(route.op);
  if (limit.unlimited()) return admission;
  const char* op = OperationClassName(route.op);
  admission.key = absl::StrCat(route.region, "/", op);
  auto refuse = [&](const char* reason, const char* message,
                    absl::Duration retry) {
    if (metrics_ != nullptr) {
      metrics_->ratelimit_refused.WithLabelValues({route.region, op, reason})
          .Increment();
    }
    admission.refused = errors::Error(
        absl::StatusCode::kResourceExhausted,
        v1::ERROR_REASON_UPSTREAM_QUOTA_EXHAUSTED, message,
        {{"region", route.region}, {"jumioEndpoint", route.endpoint}});
    errors::SetRetryDelay(admission.refused,
                          std::max(retry, absl::Milliseconds(1)));
    // Nothing went to Jumio: a create refused here may be sent again under
    // its request id (server/api/idempotency.h).
    jumio::MarkRequestNotSent(admission.refused);
    return std::move(admission);
  };
  {
    absl::MutexLock lock(&mu_);
    const int waiting = waiting_[admission.key];
    if (waiting >= options_.max_queue) {
      return refuse(observability::kRateLimitRefusedQueueFull,
                    "too many calls to Jumio are waiting for their turn "
                    "under Jumio's rate limit",
                    absl::Seconds(1) * (waiting / limit.per_second));
    }
    // Counted before the reservation so that concurrent callers cannot
    // overfill the queue; given back below when no wait is needed.
    ++waiting_[admission.key];
  }
  const Permit permit = limiter_->Reserve(admission.key, limit, deadline);
  const absl::Time now = clock_.Now();
  if (metrics_ != nullptr && permit.fallback) {
    metrics_->ratelimit_redis_fallback.WithLabelValues({route.region, op})
        .Increment();
  }
  if (!permit.granted || permit.at <= now) Left(admission.key);
  if (!permit.granted) {
    return refuse(observability::kRateLimitRefusedDeadline,
                  "the call's deadline ends before its turn under Jumio's "
                  "rate limit comes",
                  permit.at - now);
  }
  if (permit.at > now) {
    admission.wait = true;
    admission.at = permit.at;
  }
  if (metrics_ != nullptr) {
    metrics_->ratelimit_wait_seconds.WithLabelValues({route.region, op})
        .Observe(absl::ToDoubleSeconds(
            std::max(permit.at - now, absl::ZeroDuration())));
    if (admission.wait) {
      metrics_->ratelimit_waits.WithLabelValues({route.region, op}).Increment();
    }
  }
  return admission;
}

template <typename DoneT, typename Start>
jumio::JumioApi::Handle RateLimitedJumioApi::Limit(
    Route route, const jumio::CallOptions& options, DoneT done, Start start) {
  Admission admission = Admit(route, options.deadline);
  if (!admission.refused.ok()) {
    std::move(done)(std::move(admission.refused));
    return std::make_shared<Answered>();
  }
  if (!admission.wait) return std::move(start)(std::move(done));
  auto waiter = std::make_shared<Waiter<DoneT>>(
      this, std::move(route), std::move(admission.key), std::move(done),
      typename Waiter<DoneT>::Start(std::move(start)));
  waiter->Schedule(admission.at);
  return waiter;
}

jumio::JumioApi::Handle RateLimitedJumioApi::CreateAccount(
    jumio::AccountWrite request, const jumio::CallOptions& options,
    Done<v1::CreateAccountResponse> done) {
  Route route{request.account.region, OperationClass::kAccountWrite,
              "account_create"};
  return Limit(std::move(route), options, std::move(done),
               [this, request = std::move(request),
                options](Done<v1::CreateAccountResponse> done) mutable {
                 return inner_->CreateAccount(std::move(request), options,
                                              std::move(done));
               });
}

jumio::JumioApi::Handle RateLimitedJumioApi::UpdateAccount(
    jumio::AccountWrite request, const jumio::CallOptions& options,
    Done<v1::UpdateAccountResponse> done) {
  Route route{request.account.region, OperationClass::kAccountWrite,
              "account_update"};
  return Limit(std::move(route), options, std::move(done),
               [this, request = std::move(request),
                options](Done<v1::UpdateAccountResponse> done) mutable {
                 return inner_->UpdateAccount(std::move(request), options,
                                              std::move(done));
               });
}

jumio::JumioApi::Handle RateLimitedJumioApi::GetAccount(
    const jumio::AccountRef& account, const jumio::CallOptions& options,
    Done<v1::Account> done) {
  return Limit(
      Route{account.region, OperationClass::kRetrieval, "retrieval_account"},
      options, std::move(done),
      [this, account, options](Done<v1::Account> done) {
        return inner_->GetAccount(account, options, std::move(done));
      });
}

jumio::JumioApi::Handle RateLimitedJumioApi::DeleteAccount(
    const jumio::AccountRef& account, const jumio::CallOptions& options,
    DoneStatus done) {
  return Limit(
      Route{account.region, OperationClass::kRetrieval, "account_delete"},
      options, std::move(done), [this, account, options](DoneStatus done) {
        return inner_->DeleteAccount(account, options, std::move(done));
      });
}

jumio::JumioApi::Handle RateLimitedJumioApi::UploadPart(
    jumio::PartUpload request, const jumio::CallOptions& options,
    Done<v1::UploadCredentialPartResponse> done) {
  Route route{request.part.region, OperationClass::kOther,
              request.replace ? "part_upload_replace" : "part_upload_add"};
  return Limit(std::move(route), options, std::move(done),
               [this, request = std::move(request),
                options](Done<v1::UploadCredentialPartResponse> done) mutable {
                 return inner_->UploadPart(std::move(request), options,
                                           std::move(done));
               });
}

jumio::JumioApi::Handle RateLimitedJumioApi::GetPart(
    const jumio::PartDownload& request, const jumio::CallOptions& options,
    Done<jumio::PartContent> done) {
  return Limit(
      Route{request.part.region, OperationClass::kRetrieval, "retrieval_part"},
      options, std::move(done),
      [this, request, options](Done<jumio::PartContent> done) {
        return inner_->GetPart(request, options, std::move(done));
      });
}

jumio::JumioApi::Handle RateLimitedJumioApi::FinalizeWorkflowExecution(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options,
    Done<v1::FinalizeWorkflowExecutionResponse> done) {
  return Limit(
      Route{execution.region, OperationClass::kOther, "workflow_finalize"},
      options, std::move(done),
      [this, execution,
       options](Done<v1::FinalizeWorkflowExecutionResponse> done) {
        return inner_->FinalizeWorkflowExecution(execution, options,
                                                 std::move(done));
      });
}

jumio::JumioApi::Handle RateLimitedJumioApi::GetWorkflowExecutionStatus(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options,
    Done<v1::WorkflowExecutionSummary> done) {
  return Limit(
      Route{execution.region, OperationClass::kRetrieval,
            "retrieval_workflow_status"},
      options, std::move(done),
      [this, execution, options](Done<v1::WorkflowExecutionSummary> done) {
        return inner_->GetWorkflowExecutionStatus(execution, options,
                                                  std::move(done));
      });
}

jumio::JumioApi::Handle RateLimitedJumioApi::GetWorkflowExecutionDetails(
    const jumio::WorkflowExecutionRef& execution, bool include_raw,
    const jumio::CallOptions& options, Done<v1::WorkflowExecution> done) {
  return Limit(Route{execution.region, OperationClass::kRetrieval,
                     "retrieval_workflow_details"},
               options, std::move(done),
               [this, execution, include_raw,
                options](Done<v1::WorkflowExecution> done) {
                 return inner_->GetWorkflowExecutionDetails(
                     execution, include_raw, options, std::move(done));
               });
}

jumio::JumioApi::Handle RateLimitedJumioApi::ListWorkflowExecutionSteps(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options,
    Done<std::vector<v1::WorkflowStep>> done) {
  return Limit(
      Route{execution.region, OperationClass::kRetrieval,
            "retrieval_workflow_steps"},
      options, std::move(done),
      [this, execution, options](Done<std::vector<v1::WorkflowStep>> done) {
        return inner_->ListWorkflowExecutionSteps(execution, options,
                                                  std::move(done));
      });
}

jumio::JumioApi::Handle RateLimitedJumioApi::ListWorkflowExecutions(
    const jumio::AccountRef& account, const jumio::CallOptions& options,
    Done<std::vector<v1::WorkflowExecutionSummary>> done) {
  return Limit(
      Route{account.region, OperationClass::kRetrieval, "retrieval_account"},
      options, std::move(done),
      [this, account,
       options](Done<std::vector<v1::WorkflowExecutionSummary>> done) {
        return inner_->ListWorkflowExecutions(account, options,
                                              std::move(done));
      });
}

jumio::JumioApi::Handle RateLimitedJumioApi::DeleteWorkflowExecution(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options, DoneStatus done) {
  return Limit(
      Route{execution.region, OperationClass::kRetrieval, "workflow_delete"},
      options, std::move(done), [this, execution, options](DoneStatus done) {
        return inner_->DeleteWorkflowExecution(execution, options,
                                               std::move(done));
      });
}

jumio::JumioApi::Handle RateLimitedJumioApi::GetPlatformStatus(
    const std::string& region, const jumio::CallOptions& options,
    Done<v1::RegionPlatformStatus> done) {
  // The status host needs no credentials and has no published limit.
  return inner_->GetPlatformStatus(region, options, std::move(done));
}

}  // namespace jumio_gateway::resilience
