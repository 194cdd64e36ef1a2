#include "server/callbacks/enricher.h"

#include <google/protobuf/util/time_util.h>

#include <utility>

namespace jumio_gateway::callbacks {

namespace v1 = ::jumio::gateway::v1;

namespace {
bool Retryable(absl::StatusCode code) {
  return code == absl::StatusCode::kUnavailable ||
         code == absl::StatusCode::kNotFound ||
         code == absl::StatusCode::kFailedPrecondition ||
         code == absl::StatusCode::kResourceExhausted ||
         code == absl::StatusCode::kDeadlineExceeded;
}
}  // namespace

EnrichmentQueue::EnrichmentQueue(Enricher* enricher, CallbackLog* log,
                                 CallbackStats* stats, Options options,
                                 const core::Clock& clock)
    : enricher_(enricher),
      log_(log),
      stats_(stats),
      options_(std::move(options)),
      clock_(clock) {}

EnrichmentQueue::~EnrichmentQueue() { Stop(); }

void EnrichmentQueue::Start() {
  thread_ = std::thread([this] { Loop(); });
}

void EnrichmentQueue::Stop() {
  {
    absl::MutexLock l(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
}

void EnrichmentQueue::Add(const v1::Callback& callback) {
  if (callback.workflow_execution().status() != v1::WORKFLOW_STATUS_PROCESSED) {
    return;
  }
  absl::MutexLock l(&mu_);
  if (stopping_ || items_.size() >= options_.max_queued) {
    stats_->enrichment_failures.fetch_add(1);
    return;
  }
  Item item;
  item.due = clock_.Now();
  item.callback = callback;
  items_.push(std::move(item));
}

void EnrichmentQueue::Loop() {
  while (true) {
    Item item;
    {
      absl::MutexLock l(&mu_);
      // Re-evaluated whenever Add releases the lock and whenever the clock
      // moves, so the wait needs no polling.
      auto wake = [this]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
        return stopping_ ||
               (!items_.empty() && items_.top().due <= clock_.Now());
      };
      while (!wake()) {
        clock_.AwaitWithDeadline(
            mu_, absl::Condition(&wake),
            items_.empty() ? absl::InfiniteFuture() : items_.top().due);
      }
      if (stopping_) return;
      item = items_.top();
      items_.pop();
    }
    absl::StatusOr<v1::CallbackEnrichment> e = enricher_->Enrich(item.callback);
    if (e.ok()) {
      *e->mutable_enrich_time() =
          google::protobuf::util::TimeUtil::MicrosecondsToTimestamp(
              absl::ToUnixMicros(clock_.Now()));
      if (log_->AttachEnrichment(item.callback.cursor(), *e).ok()) {
        stats_->enriched.fetch_add(1);
        continue;
      }
    } else if (!Retryable(e.status().code())) {
      stats_->enrichment_failures.fetch_add(1);
      continue;
    }
    if (item.attempt >= static_cast<int>(options_.retry_delays.size())) {
      stats_->enrichment_failures.fetch_add(1);
      continue;
    }
    item.due = clock_.Now() + options_.retry_delays[item.attempt];
    ++item.attempt;
    absl::MutexLock l(&mu_);
    items_.push(std::move(item));
  }
}

}  // namespace jumio_gateway::callbacks
