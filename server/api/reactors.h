// The gRPC callback-API plumbing every service shares: ending a call at once,
// and a reactor that waits for Jumio without a thread waiting, whose OnCancel
// aborts the upstream transfer.
#ifndef JUMIO_GATEWAY_SERVER_API_REACTORS_H_
#define JUMIO_GATEWAY_SERVER_API_REACTORS_H_

#include <grpcpp/grpcpp.h>

#include <memory>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/jumio/jumio_api.h"

namespace jumio_gateway::api {

// The upstream deadline of an RPC: the caller's deadline, but never later than
// now + `cap`.
absl::Time UpstreamDeadline(const grpc::CallbackServerContext& context,
                            absl::Time now, absl::Duration cap);

// The CallOptions of an upstream call made for `context`.
jumio::CallOptions UpstreamOptions(const grpc::CallbackServerContext& context,
                                   absl::Time now, absl::Duration cap);

// Ends a unary RPC at once (invalid input, replayed result).
grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status);

// A server-streaming reactor that ends the call at once.
template <typename Response>
class FinishedWriter : public grpc::ServerWriteReactor<Response> {
 public:
  explicit FinishedWriter(const grpc::Status& status) { this->Finish(status); }
  void OnDone() override { delete this; }
};

// The upstream calls of one RPC, for its OnCancel. OnCancel may run before a
// call has started, while it runs or after it ended: a call added after the
// cancel is cancelled at once.
class UpstreamCalls {
 public:
  void Add(jumio::JumioApi::Handle handle);
  void CancelAll();

 private:
  absl::Mutex mu_;
  std::vector<jumio::JumioApi::Handle> handles_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

// A unary RPC answered by one upstream call.
class UnaryUpstreamRpc : public grpc::ServerUnaryReactor {
 public:
  // Finishes the RPC with the status it is given (after filling the
  // response).
  using Finisher = absl::AnyInvocable<void(absl::Status) &&>;
  // Starts the upstream call, which ends in the Finisher.
  using Launch = absl::AnyInvocable<jumio::JumioApi::Handle(Finisher) &&>;

  static grpc::ServerUnaryReactor* Start(Launch launch);

  void OnCancel() override { calls_.CancelAll(); }
  void OnDone() override { delete this; }

 private:
  UnaryUpstreamRpc() = default;
  UpstreamCalls calls_;
};

// OK for NOT_FOUND when the caller set allow_missing.
absl::Status AllowMissing(bool allow_missing, absl::Status status);

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_REACTORS_H_
