#include "server/callbacks/component.h"

#include <algorithm>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "server/callbacks/redis_log.h"
#include "server/callbacks/redis_request_ids.h"
#include "server/callbacks/sqlite_log.h"
#include "server/callbacks/sqlite_request_ids.h"
#include "server/core/port_file.h"

namespace jumio_gateway::callbacks {

namespace {

// Every retention sweep: rows per statement, statements per store and pass.
constexpr int kRetentionBatch = 500;
constexpr int kRetentionBatches = 20;

// Jumio accepts only https URLs with a host name, no port, no fragment. A
// base that breaks this works against the sandbox but not against Jumio.
bool JumioAcceptsBase(absl::string_view base) {
  absl::string_view rest = base;
  if (!absl::ConsumePrefix(&rest, "https://")) return false;
  absl::string_view host = rest.substr(0, rest.find('/'));
  if (host.empty() || absl::StrContains(host, ':') ||
      absl::StrContains(base, '#')) {
    return false;
  }
  return !IpAddress::Parse(host).ok();
}

}  // namespace

absl::StatusOr<std::unique_ptr<CallbackComponent>> CallbackComponent::Create(
    CallbackOptions options, observability::Logger* logger, Enricher* enricher,
    HostResolver* resolver, const core::Clock& clock) {
  std::unique_ptr<CallbackComponent> c(new CallbackComponent());
  c->options_ = std::move(options);
  c->logger_ = logger;
  c->clock_ = &clock;
  const CallbackOptions& o = c->options_;
  auto window = [&c](RecordKind kind, absl::Duration d) {
    c->stats_.retention_window_s[static_cast<size_t>(kind)] =
        absl::ToInt64Seconds(d);
  };
  window(RecordKind::kCallbacks, o.retention);
  window(RecordKind::kBindings, o.binding_retention);
  window(RecordKind::kRequestIds, o.request_id_retention);
  window(RecordKind::kExecutions, o.retention);

  if (o.store == "sqlite") {
    SqliteCallbackLog::Options so;
    so.path = o.sqlite_path;
    so.clock = &clock;
    absl::StatusOr<std::unique_ptr<SqliteCallbackLog>> log =
        SqliteCallbackLog::Open(so);
    if (!log.ok()) return log.status();
    c->log_ = *std::move(log);
    SqliteRequestIdStore::Options io;
    io.path = o.sqlite_path;
    io.retention = o.request_id_retention;
    io.clock = &clock;
    absl::StatusOr<std::unique_ptr<SqliteRequestIdStore>> ids =
        SqliteRequestIdStore::Open(io);
    if (!ids.ok()) return ids.status();
    c->request_ids_ = *std::move(ids);
  } else if (o.store == "redis") {
    RedisCallbackLog::Options ro;
    ro.address = o.redis_address;
    ro.prefix = o.redis_prefix;
    ro.clock = &clock;
    absl::StatusOr<std::unique_ptr<RedisCallbackLog>> log =
        RedisCallbackLog::Open(ro);
    if (!log.ok()) return log.status();
    c->request_ids_ = std::make_unique<RedisRequestIdStore>(
        log->get(), o.request_id_retention);
    c->log_ = *std::move(log);
  } else {
    return absl::InvalidArgumentError(
        absl::StrCat("callback_store must be sqlite or redis, not ", o.store));
  }

  absl::StatusOr<std::unique_ptr<ExecutionTracker>> tracker =
      OpenExecutionTracker(
          {o.store, o.sqlite_path, o.redis_address, o.redis_prefix});
  if (!tracker.ok()) return tracker.status();
  c->tracker_ = *std::move(tracker);

  absl::StatusOr<std::vector<Cidr>> allowed = Cidr::ParseList(o.allowed_cidrs);
  if (!allowed.ok()) return allowed.status();
  absl::StatusOr<std::vector<Cidr>> proxies =
      Cidr::ParseList(o.trusted_proxy_cidrs);
  if (!proxies.ok()) return proxies.status();
  if (resolver == nullptr) {
    c->own_resolver_ = std::make_unique<SystemHostResolver>();
    resolver = c->own_resolver_.get();
  }
  c->resolver_ = resolver;
  c->policy_ = std::make_unique<SourcePolicy>(
      *std::move(allowed), *std::move(proxies),
      o.resolve_jumio_hosts ? o.jumio_hosts : std::vector<std::string>(),
      resolver);

  if (o.hmac_key_files.empty()) {
    return absl::InvalidArgumentError(
        "callback_hmac_key_files: at least one key file is required");
  }
  absl::StatusOr<HmacKeyring> keys = HmacKeyring::FromFiles(o.hmac_key_files);
  if (!keys.ok()) return keys.status();
  if (o.public_base_url.empty()) {
    return absl::InvalidArgumentError("callback_public_base_url is required");
  }
  if (!JumioAcceptsBase(o.public_base_url) && logger != nullptr) {
    logger->Warning(
        "callback_public_base_url is not https with a host name and no "
        "port; Jumio will refuse it (fine for the sandbox)",
        {{"url", o.public_base_url}});
  }
  c->issuer_ = std::make_unique<CallbackUrlIssuer>(
      o.public_base_url, *std::move(keys), c->log_.get());

  c->hub_ = std::make_unique<Hub>(c->log_.get(), Hub::Options());
  if (enricher != nullptr) {
    c->enrichment_ = std::make_unique<EnrichmentQueue>(
        enricher, c->log_.get(), &c->stats_, o.enrichment, clock);
  }
  Receiver::Options ro;
  ro.host = o.listen_host;
  ro.port = o.listen_port;
  ro.max_body_bytes = o.max_body_bytes;
  ro.body_timeout = o.body_timeout;
  ro.read_timeout = o.read_timeout;
  ro.threads = o.receiver_threads;
  ro.idle_timeout = o.idle_timeout;
  ro.max_connections = o.max_connections;
  ro.max_connections_per_source = o.max_connections_per_source;
  ro.default_region = o.default_region;
  ro.require_token = o.require_token;
  EnrichmentQueue* eq = c->enrichment_.get();
  ExecutionTracker* tracker_ptr = c->tracker_.get();
  c->receiver_ = std::make_unique<Receiver>(
      ro, c->policy_.get(), c->issuer_.get(), c->log_.get(), &c->stats_, logger,
      [eq, tracker_ptr, logger](const ::jumio::gateway::v1::Callback& cb) {
        if (eq != nullptr) eq->Add(cb);
        // The result is stored: nothing left to reconcile. A failure only
        // costs one status check later (its event is then a duplicate).
        if (IsTerminal(cb.workflow_execution().status())) {
          absl::Status s = tracker_ptr->Untrack(cb.workflow_execution().id());
          if (!s.ok() && logger != nullptr) {
            logger->Warning("cannot end tracking of a workflow execution",
                            {{"error", std::string(s.message())}});
          }
        }
      },
      clock);
  return c;
}

CallbackComponent::~CallbackComponent() { Stop(); }

absl::StatusOr<AppendResult> CallbackComponent::StoreReconciled(
    const ::jumio::gateway::v1::Callback& callback) {
  absl::StatusOr<AppendResult> stored =
      log_->Append(callback, DedupKey(callback));
  if (!stored.ok() || stored->duplicate) return stored;
  ::jumio::gateway::v1::Callback with_cursor = callback;
  with_cursor.set_cursor(stored->cursor);
  if (enrichment_ != nullptr) enrichment_->Add(with_cursor);
  return stored;
}

absl::Status CallbackComponent::Erase(
    ::jumio::gateway::v1::Region region, const std::string& account_id,
    const std::string& workflow_execution_id) {
  std::vector<std::string> executions;
  if (workflow_execution_id.empty()) {
    absl::StatusOr<std::vector<std::string>> untracked =
        tracker_->UntrackAccount(account_id);
    if (!untracked.ok()) return untracked.status();
    executions = *std::move(untracked);
    // The kept answers of the account's creates and updates (its tokens and
    // links); their request ids stay taken until their retention.
    if (request_ids_ != nullptr) {
      if (absl::Status s = request_ids_->ForgetSubject(account_id); !s.ok()) {
        return s;
      }
    }
  } else {
    if (absl::Status s = tracker_->Untrack(workflow_execution_id); !s.ok()) {
      return s;
    }
    executions.push_back(workflow_execution_id);
  }
  absl::StatusOr<std::vector<std::string>> erased =
      log_->Erase(account_id, workflow_execution_id);
  if (!erased.ok()) return erased.status();
  for (std::string& id : *erased) {
    if (std::find(executions.begin(), executions.end(), id) ==
        executions.end()) {
      executions.push_back(std::move(id));
    }
  }
  // DeleteAccount: the account's own event too, stored first; a repeated
  // delete finds it stored (deduplicated) and knows no execution any more.
  if (workflow_execution_id.empty()) executions.insert(executions.begin(), "");
  for (const std::string& id : executions) {
    const ::jumio::gateway::v1::Callback event =
        DeletedEvent(region, account_id, id);
    // One DELETED event per execution (or account), whoever erases again.
    const std::string key =
        id.empty() ? absl::StrCat("account:", account_id, "|", "DELETED")
                   : DedupKey(event);
    absl::StatusOr<AppendResult> stored = log_->Append(event, key);
    if (!stored.ok()) return stored.status();
  }
  if (logger_ != nullptr) {
    // Ids only: they are not personal data here; no content is logged.
    logger_->Info("erased stored records",
                  {{"account_id", account_id},
                   {"workflow_execution_id", workflow_execution_id},
                   {"deleted_events", absl::StrCat(executions.size())}});
  }
  return absl::OkStatus();
}

FeedOptions CallbackComponent::feed_options() const {
  FeedOptions feed = options_.feed;
  feed.logger = logger_;
  return feed;
}

absl::Status CallbackComponent::Start() {
  if (options_.resolve_jumio_hosts) {
    absl::Status s = policy_->Refresh();
    if (!s.ok() && logger_ != nullptr) {
      // Not fatal: the static allowlist still applies and the chores retry.
      logger_->Warning("cannot resolve Jumio callback hosts",
                       {{"error", std::string(s.message())}});
    }
  }
  hub_->Start();
  if (enrichment_ != nullptr) enrichment_->Start();
  absl::Status s = receiver_->Start();
  if (!s.ok()) return s;
  started_ = true;
  chores_ = std::thread([this] { ChoresLoop(); });
  if (!options_.port_file.empty()) {
    absl::Status written =
        core::WritePortFile(options_.port_file, receiver_->port());
    if (!written.ok()) return written;
  }
  if (logger_ != nullptr) {
    logger_->Info(
        "callback receiver listening",
        {{"port", absl::StrCat(receiver_->port())}, {"store", options_.store}});
  }
  return absl::OkStatus();
}

void CallbackComponent::Stop() {
  {
    absl::MutexLock l(&mu_);
    if (stopping_) return;
    stopping_ = true;
  }
  if (receiver_ != nullptr) receiver_->Stop();
  if (chores_.joinable()) chores_.join();
  if (enrichment_ != nullptr) enrichment_->Stop();
  if (hub_ != nullptr) hub_->Stop();
}

void CallbackComponent::ChoresLoop() {
  absl::Time next_resolve = clock_->Now() + options_.resolve_interval;
  absl::Time next_retention = clock_->Now();
  absl::MutexLock l(&mu_);
  while (!stopping_) {
    const absl::Time next = std::min(
        options_.resolve_jumio_hosts ? next_resolve : absl::InfiniteFuture(),
        next_retention);
    clock_->AwaitWithDeadline(mu_, absl::Condition(&stopping_), next);
    if (stopping_) break;
    mu_.Unlock();
    const absl::Time now = clock_->Now();
    if (options_.resolve_jumio_hosts && now >= next_resolve) {
      absl::Status s = policy_->Refresh();
      if (!s.ok() && logger_ != nullptr) {
        logger_->Warning("cannot resolve Jumio callback hosts",
                         {{"error", std::string(s.message())}});
      }
      next_resolve = now + options_.resolve_interval;
    }
    if (now >= next_retention) {
      ApplyRetention(now);
      next_retention = now + options_.retention_interval;
    }
    mu_.Lock();
  }
}

void CallbackComponent::ApplyRetention(absl::Time now) {
  auto warn = [this](const char* what, const absl::Status& s) {
    if (logger_ != nullptr) {
      logger_->Warning(what, {{"error", std::string(s.message())}});
    }
  };
  auto deleted = [this](RecordKind kind, int64_t n) {
    stats_.retention_deleted[static_cast<size_t>(kind)] += n;
  };
  // Bounded: at most kRetentionBatches short statements of kRetentionBatch
  // rows per store, kind and pass; the rest goes next pass.
  const RetentionLimits limits{kRetentionBatch, kRetentionBatches};
  absl::StatusOr<RetentionResult> log = log_->ApplyRetention(
      options_.retention, options_.binding_retention, limits);
  if (log.ok()) {
    deleted(RecordKind::kCallbacks, log->callbacks);
    deleted(RecordKind::kBindings, log->bindings);
  } else {
    warn("callback retention failed", log.status());
  }
  absl::StatusOr<int64_t> ids =
      request_ids_->ApplyRetention(kRetentionBatch, kRetentionBatches);
  if (ids.ok()) {
    deleted(RecordKind::kRequestIds, *ids);
  } else {
    warn("request id retention failed", ids.status());
  }
  absl::StatusOr<int64_t> tracked = tracker_->ApplyRetention(
      now - options_.retention, kRetentionBatch, kRetentionBatches);
  if (tracked.ok()) {
    deleted(RecordKind::kExecutions, *tracked);
  } else {
    warn("execution tracker retention failed", tracked.status());
  }
  // What is left: the oldest record of each kind, for the age metric.
  for (size_t i = 0; i < kRecordKindCount; ++i) {
    const auto kind = static_cast<RecordKind>(i);
    absl::StatusOr<OldestRecord> oldest;
    switch (kind) {
      case RecordKind::kCallbacks:
      case RecordKind::kBindings:
        oldest = log_->Oldest(kind);
        break;
      case RecordKind::kRequestIds:
        oldest = request_ids_->Oldest();
        break;
      default:
        oldest = tracker_->Oldest();
        break;
    }
    int64_t value = CallbackStats::kOldestUnknown;
    if (!oldest.ok()) {
      warn("cannot read the oldest stored record", oldest.status());
    } else if (oldest->swept) {
      value = oldest->written.has_value()
                  ? std::max<int64_t>(1, absl::ToUnixMicros(*oldest->written))
                  : CallbackStats::kOldestNone;
    }
    stats_.oldest_record_us[i] = value;
  }
  ++stats_.retention_passes;
}

}  // namespace jumio_gateway::callbacks
