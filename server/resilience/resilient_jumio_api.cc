#include "server/resilience/resilient_jumio_api.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include "absl/random/random.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/types/optional.h"
#include "server/errors/errors.h"
#include "server/jumio/http_transport.h"
#include "server/jumio/upstream_errors.h"

namespace jumio_gateway::resilience {
namespace {

namespace v1 = ::jumio::gateway::v1;
using jumio::HostKind;

bool HasReason(const absl::Status& status, v1::ErrorReason reason) {
  const absl::optional<google::rpc::ErrorInfo> info =
      errors::GetErrorInfo(status);
  return info.has_value() && info->reason() == errors::ReasonName(reason);
}

int HttpStatusOf(const absl::Status& status) {
  const absl::optional<google::rpc::ErrorInfo> info =
      errors::GetErrorInfo(status);
  int code = 0;
  if (!info.has_value()) return 0;
  const auto found = info->metadata().find("httpStatus");
  if (found == info->metadata().end() ||
      !absl::SimpleAtoi(found->second, &code)) {
    return 0;
  }
  return code;
}

// A failure a second attempt may not see: no answer (connect failure, reset),
// a gateway or proxy in front of Jumio that failed, Jumio's rate limit, or the
// gateway's own per-attempt timeout. Not 500: Jumio's own error repeats.
bool Transient(const absl::Status& status) {
  if (status.code() == absl::StatusCode::kResourceExhausted) {
    return HasReason(status, v1::ERROR_REASON_UPSTREAM_RATE_LIMITED);
  }
  if (status.code() != absl::StatusCode::kUnavailable) return false;
  if (HasReason(status, v1::ERROR_REASON_UPSTREAM_TIMEOUT)) return true;
  if (!HasReason(status, v1::ERROR_REASON_UPSTREAM_UNAVAILABLE)) return false;
  const int http = HttpStatusOf(status);
  return http == 0 || http == 502 || http == 503 || http == 504;
}

// What the breaker learns from an attempt: nothing from a cancel or from a
// call the rate limiter below refused before sending, a failure
// from no answer, a 5xx or a wait that ran out, success from every other
// answer (a 404 or a 429 means the host works).
enum class Outcome { kSuccess, kFailure, kIgnored };
Outcome OutcomeOf(const absl::Status& status) {
  if (status.ok()) return Outcome::kSuccess;
  switch (status.code()) {
    case absl::StatusCode::kCancelled:
      return Outcome::kIgnored;
    case absl::StatusCode::kResourceExhausted:
      return HasReason(status, v1::ERROR_REASON_UPSTREAM_QUOTA_EXHAUSTED)
                 ? Outcome::kIgnored
                 : Outcome::kSuccess;
    case absl::StatusCode::kDeadlineExceeded:
      return Outcome::kFailure;
    case absl::StatusCode::kUnavailable:
      return HasReason(status, v1::ERROR_REASON_UPSTREAM_UNAVAILABLE) ||
                     HasReason(status, v1::ERROR_REASON_UPSTREAM_TIMEOUT)
                 ? Outcome::kFailure
                 : Outcome::kSuccess;
    default:
      return Outcome::kSuccess;
  }
}

}  // namespace

RandomSource DefaultRandomSource() {
  struct State {
    absl::Mutex mu;
    absl::BitGen gen ABSL_GUARDED_BY(mu);
  };
  auto state = std::make_shared<State>();
  return [state] {
    absl::MutexLock lock(&state->mu);
    return absl::Uniform<double>(state->gen, 0.0, 1.0);
  };
}

// One call across its attempts and the waits between them. Owned by
// shared_ptrs held by the caller's handle, the attempt in flight and the
// timer task.
template <typename T>
class ResilientJumioApi::Call
    : public jumio::CallHandle,
      public std::enable_shared_from_this<ResilientJumioApi::Call<T>> {
 public:
  using Attempt =
      absl::AnyInvocable<Handle(const jumio::CallOptions&, Done<T>)>;

  Call(ResilientJumioApi* api, Route route, jumio::CallOptions options,
       Attempt attempt, Done<T> done)
      : api_(api),
        route_(std::move(route)),
        options_(std::move(options)),
        attempt_(std::move(attempt)),
        done_(std::move(done)),
        region_(api->Region(route_.region)),
        host_(api->Host(route_.region, route_.host)) {}

  void Start() {
    const int limit = api_->options_.max_in_flight;
    if (limit > 0 && host_->in_flight.fetch_add(1) >= limit) {
      host_->in_flight.fetch_sub(1);
      if (api_->metrics_ != nullptr) {
        api_->metrics_->upstream_shed
            .WithLabelValues({route_.region, jumio::HostKindName(route_.host)})
            .Increment();
      }
      absl::Status shed = errors::Error(
          absl::StatusCode::kResourceExhausted,
          v1::ERROR_REASON_UPSTREAM_OVERLOADED,
          "too many calls to Jumio in flight for this region's host",
          {{"region", route_.region}, {"jumioEndpoint", route_.endpoint}});
      errors::SetRetryDelay(shed, api_->options_.shed_retry_delay);
      Finish(std::move(shed), /*holds_slot=*/false);
      return;
    }
    region_->budget.RecordRequest();
    Send();
  }

  void Cancel() override {
    Handle inner;
    absl::optional<core::TimerThread::TimerId> timer;
    {
      absl::MutexLock lock(&mu_);
      if (cancelled_ || finished_) return;
      cancelled_ = true;
      inner = inner_;
      timer = timer_;
    }
    if (inner != nullptr) {
      inner->Cancel();  // its CANCELLED answer finishes the call
    } else if (timer.has_value() && api_->timer_->Cancel(*timer)) {
      Finish(Cancelled());
    }
    // Otherwise an attempt is being started or a retry is due: Send sees
    // cancelled_.
  }

 private:
  absl::Status Cancelled() const {
    return jumio::StatusFromTransport(absl::CancelledError("cancelled"),
                                      route_.region, route_.endpoint);
  }

  void Send() {
    absl::Duration retry_after = api_->options_.breaker.open_for;
    if (!host_->breaker.Allow(&retry_after)) {
      absl::Status open = errors::Error(
          absl::StatusCode::kUnavailable, v1::ERROR_REASON_CIRCUIT_OPEN,
          "Jumio calls to this region's host are paused after repeated "
          "failures",
          {{"region", route_.region}, {"jumioEndpoint", route_.endpoint}});
      errors::SetRetryDelay(open, std::max(retry_after, absl::Seconds(1)));
      Finish(std::move(open));
      return;
    }
    int attempt = 0;
    bool cancelled;
    {
      absl::MutexLock lock(&mu_);
      timer_.reset();
      cancelled = cancelled_;
      if (!cancelled) {
        attempt = ++attempts_;
        in_attempt_ = true;
      }
    }
    if (cancelled) {
      host_->breaker.RecordIgnored();
      Finish(Cancelled());
      return;
    }
    if (api_->metrics_ != nullptr) {
      api_->metrics_->upstream_attempts
          .WithLabelValues({route_.region, route_.endpoint})
          .Increment();
    }
    Handle inner = attempt_(
        options_, [self = this->shared_from_this()](absl::StatusOr<T> result) {
          self->OnResult(std::move(result));
        });
    bool cancel_now = false;
    {
      absl::MutexLock lock(&mu_);
      if (in_attempt_ && attempts_ == attempt) {
        inner_ = inner;
        cancel_now = cancelled_;  // Cancel ran before the handle was known
      }
    }
    if (cancel_now && inner != nullptr) inner->Cancel();
  }

  void OnResult(absl::StatusOr<T> result) {
    switch (OutcomeOf(result.status())) {
      case Outcome::kSuccess:
        host_->breaker.RecordSuccess();
        break;
      case Outcome::kFailure:
        host_->breaker.RecordFailure();
        break;
      case Outcome::kIgnored:
        host_->breaker.RecordIgnored();
        break;
    }
    int attempts;
    bool cancelled;
    {
      absl::MutexLock lock(&mu_);
      in_attempt_ = false;
      inner_.reset();
      attempts = attempts_;
      cancelled = cancelled_;
    }
    if (cancelled) {
      Finish(result.ok() ? std::move(result) : Cancelled());
      return;
    }
    if (result.ok() || !Retryable(result.status()) ||
        attempts >= api_->options_.max_attempts) {
      Finish(std::move(result));
      return;
    }
    absl::Duration delay = api_->Backoff(attempts);
    if (const absl::optional<absl::Duration> told =
            jumio::UpstreamRetryAfter(result.status())) {
      delay = std::max(delay, *told);
    }
    const absl::Time due = api_->clock_.Now() + delay;
    // The caller's deadline bounds every wait: a retry that could not be
    // sent before it only delays the answer the caller can still use.
    if (due >= options_.deadline) {
      Finish(std::move(result));
      return;
    }
    // After an attempt timed out the host is slow: a retry the caller's
    // deadline would cut short ends in DEADLINE_EXCEEDED, which tells the
    // caller nothing. It gets this UNAVAILABLE with RetryInfo instead.
    if (HasReason(result.status(), v1::ERROR_REASON_UPSTREAM_TIMEOUT) &&
        options_.attempt_timeout != absl::InfiniteDuration() &&
        due + options_.attempt_timeout > options_.deadline) {
      Finish(std::move(result));
      return;
    }
    if (!region_->budget.TryRetry()) {
      if (api_->metrics_ != nullptr) {
        api_->metrics_->upstream_retry_budget_exhausted
            .WithLabelValues({route_.region})
            .Increment();
      }
      Finish(std::move(result));
      return;
    }
    if (api_->metrics_ != nullptr) {
      api_->metrics_->upstream_retries
          .WithLabelValues({route_.region, route_.endpoint})
          .Increment();
    }
    {
      absl::MutexLock lock(&mu_);
      cancelled = cancelled_;
      if (!cancelled) {
        timer_ = api_->timer_->Schedule(
            due, [self = this->shared_from_this()] { self->Send(); });
      }
    }
    if (cancelled) Finish(Cancelled());
  }

  bool Retryable(const absl::Status& status) const {
    if (!route_.idempotent) return jumio::RequestNotSent(status);
    return Transient(status);
  }

  void Finish(absl::StatusOr<T> result, bool holds_slot = true) {
    Done<T> done;
    {
      absl::MutexLock lock(&mu_);
      if (finished_) return;
      finished_ = true;
      done = std::move(done_);
    }
    if (holds_slot && api_->options_.max_in_flight > 0) {
      host_->in_flight.fetch_sub(1);
    }
    std::move(done)(std::move(result));
  }

  ResilientJumioApi* const api_;
  const Route route_;
  const jumio::CallOptions options_;
  // Called by one attempt at a time (attempts never overlap).
  Attempt attempt_;
  absl::Mutex mu_;
  Done<T> done_ ABSL_GUARDED_BY(mu_);
  RegionState* const region_;
  HostState* const host_;
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  bool in_attempt_ ABSL_GUARDED_BY(mu_) = false;
  int attempts_ ABSL_GUARDED_BY(mu_) = 0;
  Handle inner_ ABSL_GUARDED_BY(mu_);
  absl::optional<core::TimerThread::TimerId> timer_ ABSL_GUARDED_BY(mu_);
};

ResilientJumioApi::ResilientJumioApi(jumio::JumioApi* inner,
                                     const core::Clock& clock,
                                     core::TimerThread* timer,
                                     ResilienceOptions options,
                                     RandomSource random,
                                     observability::GatewayMetrics* metrics)
    : inner_(inner),
      clock_(clock),
      timer_(timer),
      options_(std::move(options)),
      random_(std::move(random)),
      metrics_(metrics) {}

ResilientJumioApi::~ResilientJumioApi() = default;

ResilientJumioApi::RegionState* ResilientJumioApi::Region(
    const std::string& region) {
  absl::MutexLock lock(&mu_);
  std::unique_ptr<RegionState>& state = regions_[region];
  if (state == nullptr) {
    state = std::make_unique<RegionState>(options_.budget, clock_);
  }
  return state.get();
}

ResilientJumioApi::HostState* ResilientJumioApi::Host(const std::string& region,
                                                      HostKind host) {
  RegionState* region_state = Region(region);
  absl::MutexLock lock(&mu_);
  std::unique_ptr<HostState>& state = region_state->hosts[host];
  if (state == nullptr) {
    CircuitBreaker::OnState on_state;
    if (metrics_ != nullptr) {
      on_state = [metrics = metrics_, region, host](CircuitBreaker::State s) {
        metrics->SetCircuitState(
            region, jumio::HostKindName(host),
            static_cast<observability::CircuitState>(static_cast<int>(s)));
      };
    }
    state = std::make_unique<HostState>(options_.breaker, clock_,
                                        std::move(on_state));
  }
  return state.get();
}

CircuitBreaker::State ResilientJumioApi::CircuitState(const std::string& region,
                                                      HostKind host) {
  return Host(region, host)->breaker.state();
}

std::vector<jumio::HostCircuit> ResilientJumioApi::Circuits(
    const std::string& region) {
  std::vector<HostState*> hosts;
  std::vector<HostKind> kinds;
  {
    absl::MutexLock lock(&mu_);
    auto it = regions_.find(region);
    if (it == regions_.end()) return {};
    for (const auto& [kind, state] : it->second->hosts) {
      kinds.push_back(kind);
      hosts.push_back(state.get());
    }
  }
  // Host states live as long as this; a breaker's state() takes its own
  // lock, never this one.
  std::vector<jumio::HostCircuit> circuits;
  for (size_t i = 0; i < hosts.size(); ++i) {
    jumio::HostCircuit circuit;
    circuit.host = jumio::HostKindName(kinds[i]);
    switch (hosts[i]->breaker.state()) {
      case CircuitBreaker::State::kClosed:
        circuit.state = ::jumio::gateway::v1::CIRCUIT_STATE_CLOSED;
        break;
      case CircuitBreaker::State::kHalfOpen:
        circuit.state = ::jumio::gateway::v1::CIRCUIT_STATE_HALF_OPEN;
        break;
      case CircuitBreaker::State::kOpen:
        circuit.state = ::jumio::gateway::v1::CIRCUIT_STATE_OPEN;
        break;
    }
    circuits.push_back(circuit);
  }
  return circuits;
}

absl::Duration ResilientJumioApi::Backoff(int retry) {
  const double factor = std::ldexp(1.0, std::min(retry - 1, 30));
  const absl::Duration cap =
      std::min(options_.max_backoff, options_.initial_backoff * factor);
  return cap * std::clamp(random_(), 0.0, 1.0);
}

template <typename T, typename Attempt>
jumio::JumioApi::Handle ResilientJumioApi::Run(
    Route route, const jumio::CallOptions& options, Attempt attempt,
    Done<T> done) {
  auto call = std::make_shared<Call<T>>(this, std::move(route), options,
                                        std::move(attempt), std::move(done));
  call->Start();
  return call;
}

template <typename Attempt>
jumio::JumioApi::Handle ResilientJumioApi::RunStatus(
    Route route, const jumio::CallOptions& options, Attempt attempt,
    DoneStatus done) {
  return Run<Empty>(
      std::move(route), options,
      [attempt = std::move(attempt)](const jumio::CallOptions& options,
                                     Done<Empty> done) mutable {
        return attempt(options,
                       [done = std::move(done)](absl::Status status) mutable {
                         if (status.ok()) {
                           std::move(done)(Empty{});
                         } else {
                           std::move(done)(std::move(status));
                         }
                       });
      },
      Done<Empty>(
          [done = std::move(done)](absl::StatusOr<Empty> result) mutable {
            std::move(done)(result.status());
          }));
}

jumio::JumioApi::Handle ResilientJumioApi::CreateAccount(
    jumio::AccountWrite request, const jumio::CallOptions& options,
    Done<v1::CreateAccountResponse> done) {
  Route route{request.account.region, HostKind::kAccount, "account_create",
              false};
  return Run<v1::CreateAccountResponse>(
      std::move(route), options,
      [this, request = std::move(request)](
          const jumio::CallOptions& options,
          Done<v1::CreateAccountResponse> done) {
        return inner_->CreateAccount(request, options, std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::UpdateAccount(
    jumio::AccountWrite request, const jumio::CallOptions& options,
    Done<v1::UpdateAccountResponse> done) {
  Route route{request.account.region, HostKind::kAccount, "account_update",
              false};
  return Run<v1::UpdateAccountResponse>(
      std::move(route), options,
      [this, request = std::move(request)](
          const jumio::CallOptions& options,
          Done<v1::UpdateAccountResponse> done) {
        return inner_->UpdateAccount(request, options, std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::GetAccount(
    const jumio::AccountRef& account, const jumio::CallOptions& options,
    Done<v1::Account> done) {
  return Run<v1::Account>(
      {account.region, HostKind::kRetrieval, "retrieval_account", true},
      options,
      [this, account](const jumio::CallOptions& options,
                      Done<v1::Account> done) {
        return inner_->GetAccount(account, options, std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::DeleteAccount(
    const jumio::AccountRef& account, const jumio::CallOptions& options,
    DoneStatus done) {
  return RunStatus(
      {account.region, HostKind::kRetrieval, "account_delete", true}, options,
      [this, account](const jumio::CallOptions& options, DoneStatus done) {
        return inner_->DeleteAccount(account, options, std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::UploadPart(
    jumio::PartUpload request, const jumio::CallOptions& options,
    Done<v1::UploadCredentialPartResponse> done) {
  // A REPLACE puts the same image again; an ADD twice may add two.
  Route route{request.part.region, HostKind::kApi,
              request.replace ? "part_upload_replace" : "part_upload_add",
              request.replace};
  return Run<v1::UploadCredentialPartResponse>(
      std::move(route), options,
      [this, request = std::move(request)](
          const jumio::CallOptions& options,
          Done<v1::UploadCredentialPartResponse> done) {
        // A copy per attempt shares the content's bytes (a Cord).
        return inner_->UploadPart(request, options, std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::GetPart(
    const jumio::PartDownload& request, const jumio::CallOptions& options,
    Done<jumio::PartContent> done) {
  return Run<jumio::PartContent>(
      {request.part.region, HostKind::kRetrieval, "retrieval_part", true},
      options,
      [this, request](const jumio::CallOptions& options,
                      Done<jumio::PartContent> done) {
        return inner_->GetPart(request, options, std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::FinalizeWorkflowExecution(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options,
    Done<v1::FinalizeWorkflowExecutionResponse> done) {
  return Run<v1::FinalizeWorkflowExecutionResponse>(
      {execution.region, HostKind::kApi, "workflow_finalize", true}, options,
      [this, execution](const jumio::CallOptions& options,
                        Done<v1::FinalizeWorkflowExecutionResponse> done) {
        return inner_->FinalizeWorkflowExecution(execution, options,
                                                 std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::GetWorkflowExecutionStatus(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options,
    Done<v1::WorkflowExecutionSummary> done) {
  return Run<v1::WorkflowExecutionSummary>(
      {execution.region, HostKind::kRetrieval, "retrieval_workflow_status",
       true},
      options,
      [this, execution](const jumio::CallOptions& options,
                        Done<v1::WorkflowExecutionSummary> done) {
        return inner_->GetWorkflowExecutionStatus(execution, options,
                                                  std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::GetWorkflowExecutionDetails(
    const jumio::WorkflowExecutionRef& execution, bool include_raw,
    const jumio::CallOptions& options, Done<v1::WorkflowExecution> done) {
  return Run<v1::WorkflowExecution>(
      {execution.region, HostKind::kRetrieval, "retrieval_workflow_details",
       true},
      options,
      [this, execution, include_raw](const jumio::CallOptions& options,
                                     Done<v1::WorkflowExecution> done) {
        return inner_->GetWorkflowExecutionDetails(execution, include_raw,
                                                   options, std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::ListWorkflowExecutionSteps(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options,
    Done<std::vector<v1::WorkflowStep>> done) {
  return Run<std::vector<v1::WorkflowStep>>(
      {execution.region, HostKind::kRetrieval, "retrieval_workflow_steps",
       true},
      options,
      [this, execution](const jumio::CallOptions& options,
                        Done<std::vector<v1::WorkflowStep>> done) {
        return inner_->ListWorkflowExecutionSteps(execution, options,
                                                  std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::ListWorkflowExecutions(
    const jumio::AccountRef& account, const jumio::CallOptions& options,
    Done<std::vector<v1::WorkflowExecutionSummary>> done) {
  return Run<std::vector<v1::WorkflowExecutionSummary>>(
      {account.region, HostKind::kRetrieval, "retrieval_account", true},
      options,
      [this, account](const jumio::CallOptions& options,
                      Done<std::vector<v1::WorkflowExecutionSummary>> done) {
        return inner_->ListWorkflowExecutions(account, options,
                                              std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::DeleteWorkflowExecution(
    const jumio::WorkflowExecutionRef& execution,
    const jumio::CallOptions& options, DoneStatus done) {
  return RunStatus(
      {execution.region, HostKind::kRetrieval, "workflow_delete", true},
      options,
      [this, execution](const jumio::CallOptions& options, DoneStatus done) {
        return inner_->DeleteWorkflowExecution(execution, options,
                                               std::move(done));
      },
      std::move(done));
}

jumio::JumioApi::Handle ResilientJumioApi::GetPlatformStatus(
    const std::string& region, const jumio::CallOptions& options,
    Done<v1::RegionPlatformStatus> done) {
  return Run<v1::RegionPlatformStatus>(
      {region, HostKind::kStatus, "health_status", true}, options,
      [this, region](const jumio::CallOptions& options,
                     Done<v1::RegionPlatformStatus> done) {
        return inner_->GetPlatformStatus(region, options, std::move(done));
      },
      std::move(done));
}

}  // namespace jumio_gateway::resilience
