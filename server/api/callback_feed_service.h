// CallbackFeedService over the callback log, with the gRPC callback API:
// WatchCallbacks streams are Hub subscribers (one batch in memory each);
// AcknowledgeCallbacks and ListCallbacks are unary calls whose store reads and
// writes run on the service's bounded worker pool, never on a gRPC thread.
#ifndef JUMIO_GATEWAY_SERVER_API_CALLBACK_FEED_SERVICE_H_
#define JUMIO_GATEWAY_SERVER_API_CALLBACK_FEED_SERVICE_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <string>

#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/time/time.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "server/callbacks/callback_log.h"
#include "server/callbacks/feed_options.h"
#include "server/callbacks/filter.h"
#include "server/callbacks/hub.h"
#include "server/callbacks/stats.h"
#include "server/core/clock.h"
#include "server/core/worker_pool.h"
#include "server/observability/logger.h"
#include "server/security/guard.h"

namespace jumio_gateway::api {

class CallbackFeedService final
    : public ::jumio::gateway::v1::CallbackFeedService::CallbackService {
 public:
  using Options = callbacks::FeedOptions;

  // All must outlive the service (and the grpc::Server it is registered on).
  CallbackFeedService(callbacks::CallbackLog* log, callbacks::Hub* hub,
                      callbacks::CallbackStats* stats, Options options,
                      const core::Clock& clock = core::SystemClock());

  // The caller policy (ServiceContext::guard); set before the service is
  // registered. Unset: every call is admitted (unit tests). A feed without a
  // region filter spans every region: it needs a policy with regions ["*"].
  void SetGuard(security::CallGuard* guard) { guard_ = guard; }

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
  // Runs `store_call` on the worker pool and finishes `reactor` with its
  // result; finishes it with UNAVAILABLE right away when the pool is full.
  void RunOnStore(grpc::ServerUnaryReactor* reactor,
                  absl::AnyInvocable<absl::Status() &&> store_call);
  // The scan of ListCallbacks, on the worker pool.
  absl::Status ListPage(const callbacks::Filter& filter,
                        const std::string& fingerprint, int page_size,
                        std::string cursor,
                        ::jumio::gateway::v1::ListCallbacksResponse* response);

  absl::Status Admit(const grpc::CallbackServerContext& context,
                     const ::jumio::gateway::v1::CallbackFilter* filter);

  security::CallGuard* guard_ = nullptr;
  callbacks::CallbackLog* const log_;
  callbacks::Hub* const hub_;
  callbacks::CallbackStats* const stats_;
  const Options options_;
  const core::Clock& clock_;
  std::atomic<uint64_t> acks_{0};       // bumps let streams claim again
  std::atomic<uint64_t> consumers_{0};  // consumer ids of this instance
  const std::string instance_id_;
  // Last member: destroyed first, so the calls it still runs see the rest.
  core::WorkerPool store_calls_;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_CALLBACK_FEED_SERVICE_H_
