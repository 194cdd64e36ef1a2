#include "server/api/callback_feed_service.h"

#include <google/protobuf/util/time_util.h>
#include <unistd.h>

#include <algorithm>
#include <deque>
#include <memory>
#include <utility>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "server/api/reactors.h"
#include "server/callbacks/filter.h"
#include "server/core/page_token.h"
#include "server/core/regions.h"
#include "server/errors/errors.h"
#include "server/errors/grpc_status.h"

namespace jumio_gateway::api {

namespace {

namespace v1 = ::jumio::gateway::v1;
using callbacks::Batch;
using callbacks::CallbackLog;
using callbacks::CallbackStats;
using callbacks::Filter;
using callbacks::Hub;
using callbacks::ReadResult;
using callbacks::UnreadableEntry;
using google::protobuf::util::TimeUtil;

constexpr int kMaxPageSize = 1000;
constexpr int kDefaultPageSize = 100;
constexpr int kMaxAckCursors = 1000;
constexpr size_t kMaxCursorLength = 64;

bool ValidSubscriptionName(absl::string_view name) {
  if (name.empty() || name.size() > 63 || !absl::ascii_islower(name[0])) {
    return false;
  }
  for (char c : name) {
    if (!absl::ascii_islower(c) && !absl::ascii_isdigit(c) && c != '-') {
      return false;
    }
  }
  return true;
}

absl::StatusOr<absl::Duration> DurationField(
    const google::protobuf::Duration& d, bool has, absl::Duration dflt,
    absl::Duration min, absl::Duration max, absl::string_view field) {
  if (!has) return dflt;
  const absl::Duration v =
      absl::Seconds(d.seconds()) + absl::Nanoseconds(d.nanos());
  if (v < min || v > max) {
    return errors::InvalidField(
        field, absl::StrCat("must be between ", absl::FormatDuration(min),
                            " and ", absl::FormatDuration(max)));
  }
  return v;
}

// Counts and logs the unreadable entries of `batch`: never skipped silently.
void ReportUnreadable(const Batch& batch, CallbackStats* stats,
                      observability::Logger* logger, absl::string_view rpc) {
  if (batch.unreadable.empty()) return;
  stats->unreadable.fetch_add(static_cast<int64_t>(batch.unreadable.size()));
  if (logger == nullptr) return;
  for (const UnreadableEntry& e : batch.unreadable) {
    logger->Error("stored callback cannot be decoded",
                  {{"cursor", e.entry.cursor()},
                   {"reason", e.entry.reason()},
                   {"rpc", std::string(rpc)}});
  }
}

// The events of `batch` in log order.
void AppendEvents(Batch batch, std::vector<v1::WatchCallbacksResponse>* out) {
  size_t next_unreadable = 0;
  for (size_t i = 0; i <= batch.callbacks.size(); ++i) {
    while (next_unreadable < batch.unreadable.size() &&
           batch.unreadable[next_unreadable].position <= i) {
      *out->emplace_back().mutable_unreadable_callback() =
          std::move(batch.unreadable[next_unreadable++].entry);
    }
    if (i < batch.callbacks.size()) {
      *out->emplace_back().mutable_callback() = std::move(batch.callbacks[i]);
    }
  }
}

// Ends a WatchCallbacks call that failed validation.
grpc::ServerWriteReactor<v1::WatchCallbacksResponse>* FailWatch(
    const absl::Status& status) {
  return new FinishedWriter<v1::WatchCallbacksResponse>(
      errors::ToGrpcStatus(status));
}

struct StreamConfig {
  Filter filter;
  std::string after_cursor;
  v1::StartPosition start = v1::START_POSITION_LATEST;
  std::string subscription;  // empty: anonymous
  std::string consumer;
  absl::Duration ack_deadline;
  int max_outstanding = 100;
  absl::Duration heartbeat;
};

class WatchReactor;

// The state of one WatchCallbacks stream, shared by its reactor (gRPC side)
// and the hub (pull side), so neither outlives what it touches.
class WatchStream final : public Hub::Subscriber {
 public:
  WatchStream(StreamConfig config, CallbackLog* log, Hub* hub,
              CallbackStats* stats, const CallbackFeedService::Options& options,
              const core::Clock& clock, const std::atomic<uint64_t>* acks)
      : config_(std::move(config)),
        log_(log),
        hub_(hub),
        stats_(stats),
        options_(options),
        clock_(clock),
        acks_(acks),
        last_send_(clock_.Now()) {}

  void Attach(grpc::ServerWriteReactor<v1::WatchCallbacksResponse>* r) {
    absl::MutexLock l(&mu_);
    reactor_ = r;
  }

  void Pump(uint64_t generation) override {
    absl::Time last_send;
    {
      absl::MutexLock l(&mu_);
      if (finishing_ || reactor_ == nullptr || writing_ || !queue_.empty()) {
        return;
      }
      last_send = last_send_;
    }
    const absl::Time now = clock_.Now();
    if (!initialized_) {
      absl::Status s = Init();
      if (!s.ok()) return FinishWith(s);
      initialized_ = true;
    }
    std::vector<v1::WatchCallbacksResponse> out;
    if (!config_.subscription.empty()) {
      const uint64_t acks = acks_->load();
      if (generation != seen_generation_ || more_ || acks != seen_acks_ ||
          now >= next_claim_) {
        seen_generation_ = generation;
        seen_acks_ = acks;
        next_claim_ = now + options_.claim_interval;
        absl::StatusOr<Batch> claimed = log_->Claim(
            config_.subscription, config_.consumer, config_.max_outstanding,
            config_.ack_deadline, config_.filter);
        if (!claimed.ok()) return FinishWith(claimed.status());
        more_ = !claimed->empty();
        ReportUnreadable(*claimed, stats_, options_.logger, "WatchCallbacks");
        AppendEvents(*std::move(claimed), &out);
      }
    } else if (generation != seen_generation_ || more_) {
      seen_generation_ = generation;
      absl::StatusOr<ReadResult> r =
          log_->Read(cursor_, options_.scan_batch, config_.filter);
      if (!r.ok()) return FinishWith(r.status());
      more_ = r->scanned >= options_.scan_batch;
      if (!r->scanned_cursor.empty()) cursor_ = r->scanned_cursor;
      ReportUnreadable(*r, stats_, options_.logger, "WatchCallbacks");
      AppendEvents(*std::move(r), &out);
    }
    if (out.empty() && now - last_send >= config_.heartbeat) {
      v1::WatchHeartbeat* hb = out.emplace_back().mutable_heartbeat();
      *hb->mutable_send_time() =
          TimeUtil::MicrosecondsToTimestamp(absl::ToUnixMicros(now));
      hb->set_scanned_cursor(cursor_);
    }
    if (out.empty()) return;
    absl::MutexLock l(&mu_);
    for (auto& m : out) queue_.push_back(std::move(m));
    if (!writing_ && !finishing_) StartNextLocked();
  }

  bool Closed() const override { return closed_.load(); }

  void WriteDone(bool ok) {
    bool kick = false;
    {
      absl::MutexLock l(&mu_);
      writing_ = false;
      if (ok && current_.has_callback()) stats_->delivered.fetch_add(1);
      if (!ok) {
        // The client is gone; nothing more can be written.
        finishing_ = true;
        status_ = grpc::Status(grpc::StatusCode::CANCELLED, "stream broken");
      }
      if (finishing_) {
        FinishLocked();
      } else if (!queue_.empty()) {
        StartNextLocked();
      } else {
        kick = true;  // ready for the next batch
      }
    }
    if (kick) hub_->Kick();
  }

  void Cancel() {
    absl::MutexLock l(&mu_);
    if (!finishing_) {
      finishing_ = true;
      status_ = grpc::Status(grpc::StatusCode::CANCELLED, "cancelled");
    }
    if (!writing_) FinishLocked();
  }

  void Detach() {
    absl::MutexLock l(&mu_);
    reactor_ = nullptr;
    closed_.store(true);
  }

 private:
  absl::Status Init() {
    std::string start = config_.after_cursor;
    if (start.empty() && config_.start != v1::START_POSITION_EARLIEST) {
      absl::StatusOr<std::string> head = log_->HeadCursor();
      if (!head.ok()) return head.status();
      start = *head;
    }
    if (!config_.subscription.empty()) {
      return log_->EnsureSubscription(config_.subscription, start);
    }
    if (!config_.after_cursor.empty()) {
      // Fails now with CURSOR_EXPIRED rather than silently skipping.
      absl::StatusOr<ReadResult> r =
          log_->Read(config_.after_cursor, 0, config_.filter);
      if (!r.ok()) return r.status();
    }
    cursor_ = start;
    return absl::OkStatus();
  }

  void FinishWith(const absl::Status& status) {
    absl::MutexLock l(&mu_);
    if (finishing_) return;
    finishing_ = true;
    status_ = errors::ToGrpcStatus(status);
    queue_.clear();
    if (!writing_) FinishLocked();
  }

  void StartNextLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (reactor_ == nullptr) return;
    current_ = std::move(queue_.front());
    queue_.pop_front();
    writing_ = true;
    last_send_ = clock_.Now();
    reactor_->StartWrite(&current_);
  }

  void FinishLocked() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
    if (finished_ || reactor_ == nullptr) return;
    finished_ = true;
    reactor_->Finish(status_);
  }

  const StreamConfig config_;
  CallbackLog* const log_;
  Hub* const hub_;
  CallbackStats* const stats_;
  const CallbackFeedService::Options options_;
  const core::Clock& clock_;
  const std::atomic<uint64_t>* const acks_;

  // Pull side: only Pump touches these (the hub never runs two Pumps of one
  // subscriber at once).
  bool initialized_ = false;
  std::string cursor_;
  uint64_t seen_generation_ = 0;
  uint64_t seen_acks_ = 0;
  bool more_ = false;
  absl::Time next_claim_ = absl::InfinitePast();

  // Write side.
  absl::Mutex mu_;
  grpc::ServerWriteReactor<v1::WatchCallbacksResponse>* reactor_
      ABSL_GUARDED_BY(mu_) = nullptr;
  std::deque<v1::WatchCallbacksResponse> queue_ ABSL_GUARDED_BY(mu_);
  v1::WatchCallbacksResponse current_ ABSL_GUARDED_BY(mu_);
  bool writing_ ABSL_GUARDED_BY(mu_) = false;
  bool finishing_ ABSL_GUARDED_BY(mu_) = false;
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  absl::Time last_send_ ABSL_GUARDED_BY(mu_);
  std::atomic<bool> closed_{false};
};

class WatchReactor final
    : public grpc::ServerWriteReactor<v1::WatchCallbacksResponse> {
 public:
  WatchReactor(std::shared_ptr<WatchStream> stream, Hub* hub,
               CallbackStats* stats)
      : stream_(std::move(stream)), stats_(stats) {
    stats_->subscribers.fetch_add(1);
    stream_->Attach(this);
    hub->Add(stream_);
  }
  void OnWriteDone(bool ok) override { stream_->WriteDone(ok); }
  void OnCancel() override { stream_->Cancel(); }
  void OnDone() override {
    stream_->Detach();
    stats_->subscribers.fetch_sub(1);
    delete this;
  }

 private:
  std::shared_ptr<WatchStream> stream_;
  CallbackStats* const stats_;
};

}  // namespace

CallbackFeedService::CallbackFeedService(CallbackLog* log, Hub* hub,
                                         CallbackStats* stats, Options options,
                                         const core::Clock& clock)
    : log_(log),
      hub_(hub),
      stats_(stats),
      options_(std::move(options)),
      clock_(clock),
      instance_id_(
          absl::StrCat(getpid(), "-", absl::ToUnixMicros(clock.Now()))),
      store_calls_(std::max(1, options_.store_threads),
                   options_.max_queued_store_calls) {}

absl::Status CallbackFeedService::Admit(
    const grpc::CallbackServerContext& context,
    const v1::CallbackFilter* filter) {
  if (guard_ == nullptr) return absl::OkStatus();
  std::vector<std::string> regions;
  if (filter != nullptr) {
    for (int region : filter->regions()) {
      regions.push_back(core::RegionId(static_cast<v1::Region>(region)));
    }
    if (regions.empty()) regions.push_back("*");
  }
  return guard_->Admit(context, regions, "");
}

grpc::ServerWriteReactor<v1::WatchCallbacksResponse>*
CallbackFeedService::WatchCallbacks(grpc::CallbackServerContext* context,
                                    const v1::WatchCallbacksRequest* request) {
  StreamConfig config;
  absl::StatusOr<Filter> filter = Filter::FromProto(request->filter());
  if (!filter.ok()) return FailWatch(filter.status());
  if (absl::Status s = Admit(*context, &request->filter()); !s.ok()) {
    return FailWatch(s);
  }
  config.filter = *std::move(filter);
  if (request->after_cursor().size() > kMaxCursorLength) {
    return FailWatch(
        errors::InvalidField("after_cursor", "not a cursor of this gateway"));
  }
  config.after_cursor = request->after_cursor();
  if (!v1::StartPosition_IsValid(request->start_position())) {
    return FailWatch(errors::InvalidField("start_position", "unknown value"));
  }
  if (request->start_position() == v1::START_POSITION_EARLIEST) {
    config.start = v1::START_POSITION_EARLIEST;
  }
  if (!request->subscription().empty()) {
    if (!ValidSubscriptionName(request->subscription())) {
      return FailWatch(errors::InvalidField(
          "subscription",
          "1 to 63 characters of [a-z0-9-], starting with a letter"));
    }
    config.subscription = request->subscription();
    config.consumer = absl::StrCat(instance_id_, "-", ++consumers_);
    absl::StatusOr<absl::Duration> ack =
        DurationField(request->ack_deadline(), request->has_ack_deadline(),
                      options_.default_ack_deadline, options_.min_ack_deadline,
                      options_.max_ack_deadline, "ack_deadline");
    if (!ack.ok()) return FailWatch(ack.status());
    config.ack_deadline = *ack;
    const int max = request->max_outstanding_callbacks();
    if (max < 0 || max > 1000) {
      return FailWatch(errors::InvalidField("max_outstanding_callbacks",
                                            "must be between 0 and 1000"));
    }
    config.max_outstanding = max == 0 ? 100 : max;
  }
  absl::StatusOr<absl::Duration> hb = DurationField(
      request->heartbeat_interval(), request->has_heartbeat_interval(),
      options_.default_heartbeat, options_.min_heartbeat,
      options_.max_heartbeat, "heartbeat_interval");
  if (!hb.ok()) return FailWatch(hb.status());
  config.heartbeat = *hb;
  if (stats_->subscribers.load() >= options_.max_streams) {
    return FailWatch(errors::Error(
        absl::StatusCode::kResourceExhausted, v1::ERROR_REASON_TOO_MANY_STREAMS,
        "too many callback streams on this gateway instance"));
  }
  auto stream = std::make_shared<WatchStream>(std::move(config), log_, hub_,
                                              stats_, options_, clock_, &acks_);
  return new WatchReactor(std::move(stream), hub_, stats_);
}

grpc::ServerUnaryReactor* CallbackFeedService::AcknowledgeCallbacks(
    grpc::CallbackServerContext* context,
    const v1::AcknowledgeCallbacksRequest* request,
    v1::AcknowledgeCallbacksResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  absl::Status invalid;
  if (!ValidSubscriptionName(request->subscription())) {
    invalid = errors::InvalidField(
        "subscription",
        "1 to 63 characters of [a-z0-9-], starting with a letter");
  } else if (request->cursors_size() < 1 ||
             request->cursors_size() > kMaxAckCursors) {
    invalid = errors::InvalidField("cursors", "1 to 1000 cursors");
  } else if (guard_ != nullptr) {
    invalid = guard_->Admit(
        *context, {}, absl::StrCat("subscriptions/", request->subscription()));
  }
  if (!invalid.ok()) {
    reactor->Finish(errors::ToGrpcStatus(invalid));
    return reactor;
  }
  // `request` lives until Finish.
  RunOnStore(reactor, [this, request]() -> absl::Status {
    std::vector<std::string> cursors(request->cursors().begin(),
                                     request->cursors().end());
    absl::Status status = log_->Acknowledge(request->subscription(), cursors);
    if (status.ok()) {
      acks_.fetch_add(1);
      hub_->Kick();
    }
    return status;
  });
  return reactor;
}

grpc::ServerUnaryReactor* CallbackFeedService::ListCallbacks(
    grpc::CallbackServerContext* context,
    const v1::ListCallbacksRequest* request,
    v1::ListCallbacksResponse* response) {
  grpc::ServerUnaryReactor* reactor = context->DefaultReactor();
  auto finish = [&](const absl::Status& s) {
    reactor->Finish(errors::ToGrpcStatus(s));
    return reactor;
  };
  absl::StatusOr<Filter> filter = Filter::FromProto(request->filter());
  if (!filter.ok()) return finish(filter.status());
  if (absl::Status s = Admit(*context, &request->filter()); !s.ok()) {
    return finish(s);
  }
  absl::Time start = absl::InfinitePast();
  absl::Time end = absl::InfiniteFuture();
  if (request->has_start_time()) {
    start = absl::FromUnixMicros(
        TimeUtil::TimestampToMicroseconds(request->start_time()));
  }
  if (request->has_end_time()) {
    end = absl::FromUnixMicros(
        TimeUtil::TimestampToMicroseconds(request->end_time()));
  }
  filter->set_time_range(start, end);
  if (request->page_size() < 0) {
    return finish(errors::InvalidField("page_size", "must not be negative"));
  }
  const int page_size = request->page_size() == 0
                            ? kDefaultPageSize
                            : std::min(request->page_size(), kMaxPageSize);
  const std::string fp = filter->Fingerprint();
  std::string cursor;
  if (!request->page_token().empty()) {
    absl::StatusOr<std::string> c = core::DecodePageToken(
        request->page_token(), fp, "filter or times changed between pages");
    if (!c.ok()) return finish(c.status());
    cursor = *c;
  }
  RunOnStore(reactor, [this, response, page_size, fp, cursor,
                       filter = *std::move(filter)]() mutable {
    return ListPage(filter, fp, page_size, std::move(cursor), response);
  });
  return reactor;
}

absl::Status CallbackFeedService::ListPage(
    const Filter& filter, const std::string& fingerprint, int page_size,
    std::string cursor, v1::ListCallbacksResponse* response) {
  // Scan a bounded amount of the log per call: a selective filter over a
  // long log returns short (even empty) pages with a token rather than
  // holding the call.
  constexpr int kScanBatch = 1000;
  constexpr int kMaxScans = 10;
  bool at_end = false;
  // Callbacks and unreadable entries both count towards the page.
  auto listed = [response] {
    return response->callbacks_size() + response->unreadable_callbacks_size();
  };
  for (int i = 0; i < kMaxScans && listed() < page_size; ++i) {
    absl::StatusOr<ReadResult> r = log_->Read(cursor, kScanBatch, filter);
    if (!r.ok()) return r.status();
    ReportUnreadable(*r, stats_, options_.logger, "ListCallbacks");
    // Walk the batch in log order so that a full page ends at one cursor.
    size_t next_unreadable = 0;
    for (size_t k = 0; k <= r->callbacks.size() && listed() < page_size; ++k) {
      while (next_unreadable < r->unreadable.size() &&
             r->unreadable[next_unreadable].position <= k &&
             listed() < page_size) {
        v1::UnreadableCallback& u = r->unreadable[next_unreadable++].entry;
        cursor = u.cursor();
        *response->add_unreadable_callbacks() = std::move(u);
      }
      if (k < r->callbacks.size() && listed() < page_size) {
        cursor = r->callbacks[k].cursor();
        *response->add_callbacks() = std::move(r->callbacks[k]);
      }
    }
    if (listed() == page_size) break;
    if (!r->scanned_cursor.empty()) cursor = r->scanned_cursor;
    if (r->scanned < kScanBatch) {
      at_end = true;
      break;
    }
  }
  if (!at_end) {
    response->set_next_page_token(core::EncodePageToken(cursor, fingerprint));
  }
  return absl::OkStatus();
}

void CallbackFeedService::RunOnStore(
    grpc::ServerUnaryReactor* reactor,
    absl::AnyInvocable<absl::Status() &&> store_call) {
  const bool queued = store_calls_.TrySubmit(
      [reactor, store_call = std::move(store_call)]() mutable {
        reactor->Finish(errors::ToGrpcStatus(std::move(store_call)()));
      });
  if (!queued) {
    absl::Status busy = errors::Error(
        absl::StatusCode::kUnavailable,
        v1::ERROR_REASON_CALLBACK_LOG_UNAVAILABLE,
        "too many callback log calls waiting on this gateway instance");
    errors::SetRetryDelay(busy, absl::Seconds(1));
    reactor->Finish(errors::ToGrpcStatus(busy));
  }
}

}  // namespace jumio_gateway::api
