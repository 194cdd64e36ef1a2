// CallbackFeedService over the callback log, with the gRPC callback API:
// WatchCallbacks streams are Hub subscribers (one batch in memory each),
// AcknowledgeCallbacks and ListCallbacks are short unary calls on the log.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_FEED_SERVICE_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_FEED_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "server/callbacks/callback_log.h"
#include "server/callbacks/hub.h"
#include "server/callbacks/stats.h"
#include "server/core/clock.h"
#include "server/observability/logger.h"

namespace jumio_gateway::callbacks {

class FeedService final
    : public ::jumio::gateway::v1::CallbackFeedService::CallbackService {
 public:
  struct Options {
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
    // Where unreadable log entries are reported (cursor and reason, never
    // stored content); may be null. Must outlive the service.
    observability::Logger* logger = nullptr;
  };

  // All must outlive the service (and the grpc::Server it is registered on).
  FeedService(CallbackLog* log, Hub* hub, CallbackStats* stats, Options options,
              const core::Clock& clock = core::SystemClock());

  grpc::ServerWriteReactor<::jumio::gateway::v1::WatchCallbacksResponse>*
  WatchCallbacks(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::WatchCallbacksRequest* request) override;
  grpc::ServerUnaryReactor* AcknowledgeCallbacks(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::AcknowledgeCallbacksRequest* request,
      ::jumio::gateway::v1::AcknowledgeCallbacksResponse* response) override;
  grpc::ServerUnaryReactor* ListCallbacks(
      grpc::CallbackServerContext* context,
      const ::jumio::gateway::v1::ListCallbacksRequest* request,
      ::jumio::gateway::v1::ListCallbacksResponse* response) override;

 private:
  CallbackLog* const log_;
  Hub* const hub_;
  CallbackStats* const stats_;
  const Options options_;
  const core::Clock& clock_;
  std::atomic<uint64_t> acks_{0};       // bumps let streams claim again
  std::atomic<uint64_t> consumers_{0};  // consumer ids of this instance
  const std::string instance_id_;
};

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_FEED_SERVICE_H_
