// Everything the callback path needs, built from one options struct: the
// log (SQLite or Redis), the receiver, the hub, the URL issuer, enrichment,
// and the periodic chores (DNS refresh of Jumio's callback hosts,
// retention). main() creates it, builds the gRPC feed
// (api::CallbackFeedService) over log(), hub() and feed_options(), hands
// issuer() to the account service, Start()s it after the gRPC server is up,
// and Stop()s it before the gRPC server shuts down.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_COMPONENT_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_COMPONENT_H_

#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/common.pb.h"
#include "server/callbacks/callback_log.h"
#include "server/callbacks/enricher.h"
#include "server/callbacks/execution_tracker.h"
#include "server/callbacks/feed_options.h"
#include "server/callbacks/hub.h"
#include "server/callbacks/receiver.h"
#include "server/callbacks/request_id_store.h"
#include "server/callbacks/source_policy.h"
#include "server/callbacks/stats.h"
#include "server/callbacks/token.h"
#include "server/core/clock.h"
#include "server/observability/logger.h"

namespace jumio_gateway::callbacks {

struct CallbackOptions {
  // Receiver (Jumio-facing HTTP).
  std::string listen_host = "0.0.0.0";  // callback_listen_host
  int listen_port = 8085;               // callback_listen_port (0: any)
  std::string port_file;                // callback_port_file
  size_t max_body_bytes = 64 * 1024;    // callback_max_body_bytes
  absl::Duration body_timeout = absl::Seconds(10);  // callback_body_timeout
  absl::Duration read_timeout = absl::Seconds(5);   // callback_read_timeout
  absl::Duration idle_timeout = absl::Seconds(15);  // callback_idle_timeout
  int max_connections = 4096;                       // callback_max_connections
  int max_connections_per_source = 256;  // callback_max_connections_per_source
  int receiver_threads = 64;             // callback_receiver_threads
  bool require_token = true;             // callback_require_token
  ::jumio::gateway::v1::Region default_region =  // default_region (config)
      ::jumio::gateway::v1::REGION_UNSPECIFIED;

  // Who may send.
  std::vector<std::string> allowed_cidrs =  // callback_allowed_cidrs
      JumioPublishedCallbackAddresses();
  std::vector<std::string> trusted_proxy_cidrs;  // callback_trusted_proxies
  bool resolve_jumio_hosts = true;               // callback_resolve_jumio_hosts
  std::vector<std::string> jumio_hosts = JumioCallbackHosts();
  absl::Duration resolve_interval = absl::Minutes(10);

  // Tokens.
  std::string public_base_url;              // callback_public_base_url
  std::vector<std::string> hmac_key_files;  // callback_hmac_key_files

  // Store.
  std::string store = "sqlite";                  // callback_store: sqlite|redis
  std::string sqlite_path = "callbacks.db";      // callback_sqlite_path
  std::string redis_address = "127.0.0.1:6379";  // callback_redis_address
                                                 // (host:port or unix:/path)
  std::string redis_prefix = "jumio-gateway";    // callback_redis_prefix
  absl::Duration retention = absl::Hours(24 * 7);  // callback_retention
  absl::Duration binding_retention = absl::Hours(24 * 90);
  absl::Duration retention_interval = absl::Minutes(10);
  // How long a CreateAccount/UpdateAccount request_id and its outcome are
  // kept (request_id_retention).
  absl::Duration request_id_retention = absl::Hours(24);

  // Feed.
  FeedOptions feed;  // callback_ack_deadline -> feed.default_ack_deadline

  // Enrichment (used only when an Enricher is given).
  EnrichmentQueue::Options enrichment;
};

class CallbackComponent {
 public:
  // `logger` and `clock` must outlive the component; `enricher` and
  // `resolver` may be null (no enrichment; getaddrinfo).
  static absl::StatusOr<std::unique_ptr<CallbackComponent>> Create(
      CallbackOptions options, observability::Logger* logger,
      Enricher* enricher = nullptr, HostResolver* resolver = nullptr,
      const core::Clock& clock = core::SystemClock());
  ~CallbackComponent();  // Stop()

  // Starts the receiver (writes port_file once listening), the hub and the
  // chores.
  absl::Status Start();
  // Receiver first (no new callbacks), then streams and chores.
  void Stop();

  Hub* hub() { return hub_.get(); }
  // options.feed, reporting to the component's logger.
  FeedOptions feed_options() const;
  const CallbackUrlIssuer* issuer() const { return issuer_.get(); }
  CallbackStats& stats() { return stats_; }
  CallbackLog* log() { return log_.get(); }
  // Request ids in the same store as the log (its SQLite file or Redis).
  RequestIdStore* request_ids() { return request_ids_.get(); }
  // The workflow executions awaiting their terminal status, in the same store
  // as the log. A stored terminal callback ends its execution's tracking.
  ExecutionTracker* tracker() { return tracker_.get(); }
  // Stores an event the reconciler made (source RECONCILED) like a received
  // callback: deduplicated by DedupKey against Jumio's callback and other
  // reconcilers, enriched when new.
  absl::StatusOr<AppendResult> StoreReconciled(
      const ::jumio::gateway::v1::Callback& callback);
  int receiver_port() const { return receiver_->port(); }

  // Erasure (issue 17), once Jumio confirmed the delete: erases what the
  // callback store keeps about the account (`workflow_execution_id` empty)
  // or one execution of it: tracking, callbacks with their enrichment,
  // pending deliveries, dedup keys, token bindings, and (for an account) the
  // outcomes kept for its request ids; then stores the DELETED
  // events (CallbackLog::Erase, DeletedEvent): for an account, one for the
  // account (empty execution id), then one per execution of it the store
  // knew of. Idempotent: run again, it erases nothing more and stores no
  // second event.
  absl::Status Erase(::jumio::gateway::v1::Region region,
                     const std::string& account_id,
                     const std::string& workflow_execution_id);
  // The receiver's connection-level counters; null before Start.
  const http::ServerStats* receiver_stats() const {
    return receiver_->server_stats();
  }

 private:
  CallbackComponent() = default;
  void ChoresLoop();
  // One bounded pass of every store's retention sweep, then the oldest
  // record of each kind into stats_ (the age metric).
  void ApplyRetention(absl::Time now);

  CallbackOptions options_;
  observability::Logger* logger_ = nullptr;
  const core::Clock* clock_ = nullptr;
  CallbackStats stats_;
  std::unique_ptr<HostResolver> own_resolver_;
  HostResolver* resolver_ = nullptr;
  std::unique_ptr<CallbackLog> log_;
  std::unique_ptr<RequestIdStore> request_ids_;  // uses log_ (Redis)
  std::unique_ptr<ExecutionTracker> tracker_;
  std::unique_ptr<SourcePolicy> policy_;
  std::unique_ptr<CallbackUrlIssuer> issuer_;
  std::unique_ptr<Hub> hub_;
  std::unique_ptr<EnrichmentQueue> enrichment_;
  std::unique_ptr<Receiver> receiver_;

  absl::Mutex mu_;
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  bool started_ = false;
  std::thread chores_;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_COMPONENT_H_
