#include "server/reconcile/reconciler.h"

#include <google/protobuf/util/time_util.h>

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/blocking_counter.h"
#include "server/core/regions.h"

namespace jumio_gateway::reconcile {

namespace v1 = ::jumio::gateway::v1;
using callbacks::TrackedExecution;

int ReconciledIndex(v1::WorkflowStatus status) {
  switch (status) {
    case v1::WORKFLOW_STATUS_PROCESSED:
      return 0;
    case v1::WORKFLOW_STATUS_SESSION_EXPIRED:
      return 1;
    case v1::WORKFLOW_STATUS_TOKEN_EXPIRED:
      return 2;
    default:
      return -1;
  }
}

const char* ReconciledStatusName(int index) {
  static constexpr const char* kNames[] = {"PROCESSED", "SESSION_EXPIRED",
                                           "TOKEN_EXPIRED"};
  return index >= 0 && index < 3 ? kNames[index] : "";
}

absl::StatusOr<std::vector<absl::Duration>> ParseSchedule(
    absl::string_view text) {
  std::vector<absl::Duration> out;
  for (absl::string_view part : absl::StrSplit(text, ',')) {
    part = absl::StripAsciiWhitespace(part);
    absl::Duration d;
    if (!absl::ParseDuration(part, &d) || d <= absl::ZeroDuration()) {
      return absl::InvalidArgumentError(
          "must be comma-separated positive durations such as 40s,60s,100s");
    }
    if (!out.empty() && d <= out.back()) {
      return absl::InvalidArgumentError("delays must increase");
    }
    out.push_back(d);
  }
  return out;
}

std::string FormatSchedule(const std::vector<absl::Duration>& schedule) {
  return absl::StrJoin(schedule, ",", [](std::string* out, absl::Duration d) {
    out->append(absl::FormatDuration(d));
  });
}

Reconciler::Reconciler(ReconcileOptions options,
                       callbacks::ExecutionTracker* tracker,
                       jumio::JumioApi* jumio, EventSink sink,
                       observability::Logger* logger, const core::Clock& clock)
    : options_([&options] {
        if (options.schedule.empty())
          options.schedule = ReconcileOptions().schedule;
        options.lease = std::max(options.lease,
                                 options.upstream_timeout + absl::Seconds(10));
        options.batch = std::max(options.batch, 1);
        return std::move(options);
      }()),
      tracker_(tracker),
      jumio_(jumio),
      sink_(std::move(sink)),
      logger_(logger),
      clock_(clock) {}

Reconciler::~Reconciler() { Stop(); }

void Reconciler::Start() {
  if (!options_.enabled || thread_.joinable()) return;
  thread_ = std::thread([this] { Loop(); });
}

void Reconciler::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void Reconciler::Warn(absl::string_view what, const absl::Status& status) {
  // Messages of the stores and of JumioApi carry no ids, tokens or bodies.
  if (logger_ != nullptr) {
    logger_->Warning(what, {{"error", std::string(status.message())}});
  }
}

void Reconciler::Started(const std::string& region,
                         const std::string& account_id,
                         const std::string& workflow_execution_id,
                         int64_t workflow_key, absl::Duration token_lifetime) {
  if (!options_.enabled || workflow_execution_id.empty()) return;
  TrackedExecution e;
  e.workflow_execution_id = workflow_execution_id;
  e.region = region;
  e.account_id = account_id;
  e.workflow_key = workflow_key;
  e.started = clock_.Now();
  e.token_lifetime = token_lifetime;
  e.last_status = "INITIATED";
  e.next_check = e.started +
                 std::min(token_lifetime, options_.session_timeout) +
                 options_.expiry_grace;
  if (absl::Status s = tracker_->Track(e); !s.ok()) {
    stats_.track_failures.fetch_add(1);
    Warn("cannot track a workflow execution", s);
  }
}

void Reconciler::Finalized(const std::string& workflow_execution_id) {
  if (!options_.enabled) return;
  const absl::Time now = clock_.Now();
  absl::Status s = tracker_->MarkFinalized(workflow_execution_id, now,
                                           now + options_.schedule.front());
  // NOT_FOUND: started before tracking existed, by another gateway, or its
  // callback is already stored. Nothing to do.
  if (!s.ok() && !absl::IsNotFound(s)) {
    stats_.track_failures.fetch_add(1);
    Warn("cannot record a finalize", s);
  }
}

void Reconciler::Deleted(const std::string& workflow_execution_id) {
  if (!options_.enabled) return;
  if (absl::Status s = tracker_->Untrack(workflow_execution_id); !s.ok()) {
    Warn("cannot end tracking of a deleted workflow execution", s);
  }
}

absl::StatusOr<callbacks::TrackerCounts> Reconciler::Counts() {
  return tracker_->Counts(clock_.Now() - options_.schedule.back());
}

absl::Time Reconciler::NextCheck(const TrackedExecution& e,
                                 absl::Time now) const {
  if (!e.is_finalized()) return now + options_.unfinalized_interval;
  const std::vector<absl::Duration>& s = options_.schedule;
  if (e.attempt < static_cast<int>(s.size())) {
    return std::max(now, e.finalized + s[e.attempt]);
  }
  const absl::Duration step = s.size() == 1 ? s[0] : s.back() - s[s.size() - 2];
  return now + step;
}

void Reconciler::Handle(
    TrackedExecution e,
    const absl::StatusOr<v1::WorkflowExecutionSummary>& status,
    absl::Time now) {
  stats_.checks.fetch_add(1);
  if (absl::IsNotFound(status.status())) {
    // Deleted, with its account or alone: there is no result to wait for.
    Deleted(e.workflow_execution_id);
    return;
  }
  if (!status.ok()) {
    // The lease brings it back.
    stats_.check_failures.fetch_add(1);
    return;
  }
  const int index = ReconciledIndex(status->status());
  if (index >= 0) {
    v1::Callback event;
    event.set_source(v1::CALLBACK_SOURCE_RECONCILED);
    event.set_region(core::RegionFromId(e.region));
    *event.mutable_receive_time() =
        google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
            absl::ToUnixMicros(now));
    *event.mutable_workflow_execution() = *status;
    if (event.workflow_execution().definition_key() == 0 &&
        e.workflow_key > 0) {
      event.mutable_workflow_execution()->set_definition_key(e.workflow_key);
    }
    absl::StatusOr<callbacks::AppendResult> stored = sink_(event);
    if (!stored.ok()) {
      stats_.check_failures.fetch_add(1);
      Warn("cannot store a reconciled result", stored.status());
      return;  // the lease brings it back
    }
    if (stored->duplicate) {
      stats_.already_stored.fetch_add(1);
    } else {
      stats_.reconciled[index].fetch_add(1);
    }
    if (absl::Status s = tracker_->Untrack(e.workflow_execution_id); !s.ok()) {
      Warn("cannot end tracking of a reconciled workflow execution", s);
    }
    return;
  }
  if (status->status() == v1::WORKFLOW_STATUS_ACQUIRED && !e.is_finalized()) {
    // Finalized without the gateway (the web client, another path).
    e.finalized = now;
    e.attempt = 0;
  } else if (e.is_finalized()) {
    ++e.attempt;
  }
  e.last_status = status->raw_status();
  e.next_check = NextCheck(e, now);
  if (absl::Status s = tracker_->Reschedule(e); !s.ok()) {
    Warn("cannot reschedule a status check", s);
  }
}

int Reconciler::RunOnce() {
  const absl::Time now = clock_.Now();
  absl::StatusOr<std::vector<TrackedExecution>> due =
      tracker_->ClaimDue(now, options_.lease, options_.batch);
  if (!due.ok()) {
    Warn("cannot read due workflow executions", due.status());
    return 0;
  }
  if (due->empty()) return 0;
  const int n = static_cast<int>(due->size());
  std::vector<absl::StatusOr<v1::WorkflowExecutionSummary>> answers(
      n, absl::UnknownError("no answer"));
  absl::BlockingCounter pending(n);
  std::vector<jumio::JumioApi::Handle> handles;
  handles.reserve(n);
  jumio::CallOptions call;
  call.deadline = now + options_.upstream_timeout;
  for (int i = 0; i < n; ++i) {
    const TrackedExecution& e = (*due)[i];
    handles.push_back(jumio_->GetWorkflowExecutionStatus(
        {e.region, e.account_id, e.workflow_execution_id}, call,
        [&answers, &pending,
         i](absl::StatusOr<v1::WorkflowExecutionSummary> answer) {
          answers[i] = std::move(answer);
          pending.DecrementCount();
        }));
  }
  pending.Wait();
  const absl::Time answered = clock_.Now();
  for (int i = 0; i < n; ++i) {
    Handle(std::move((*due)[i]), answers[i], answered);
  }
  return n;
}

void Reconciler::Loop() {
  while (true) {
    int checked = RunOnce();
    absl::MutexLock l(&mu_);
    if (stopping_) return;
    // A full batch: more may be due now.
    if (checked >= options_.batch) continue;
    clock_.AwaitWithDeadline(mu_, absl::Condition(&stopping_),
                             clock_.Now() + options_.tick);
    if (stopping_) return;
  }
}

}  // namespace jumio_gateway::reconcile
