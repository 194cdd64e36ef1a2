// The bounds and pacing of the callback feed (api::CallbackFeedService), kept
// with the callback settings that fill them (settings.h) so that this layer
// needs nothing from the gRPC layer above it.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_FEED_OPTIONS_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_FEED_OPTIONS_H_

#include <cstddef>

#include "absl/time/time.h"
#include "server/observability/logger.h"

namespace jumio_gateway::callbacks {

struct FeedOptions {
  // Bounds of the request fields (callback.proto); tests may lower the
  // minimums to keep redelivery tests short.
  absl::Duration min_ack_deadline = absl::Seconds(10);
  absl::Duration max_ack_deadline = absl::Minutes(10);
  absl::Duration default_ack_deadline = absl::Seconds(60);
  absl::Duration min_heartbeat = absl::Seconds(5);
  absl::Duration max_heartbeat = absl::Minutes(5);
  absl::Duration default_heartbeat = absl::Seconds(30);
  // Open WatchCallbacks streams on this instance; more: RESOURCE_EXHAUSTED.
  int max_streams = 1000;
  // Log entries a stream examines per pull (one batch in memory).
  int scan_batch = 256;
  // How often a subscription stream looks for expired deliveries.
  absl::Duration claim_interval = absl::Milliseconds(500);
  // Threads that run the store reads and writes of ListCallbacks and
  // AcknowledgeCallbacks, and how many such calls may wait for one; beyond
  // that a call fails fast with UNAVAILABLE (CALLBACK_LOG_UNAVAILABLE)
  // instead of queueing behind a stalled store.
  int store_threads = 4;
  size_t max_queued_store_calls = 256;
  // Where unreadable log entries are reported (cursor and reason, never
  // stored content); may be null. Must outlive the service.
  observability::Logger* logger = nullptr;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_FEED_OPTIONS_H_
