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

// The CallOptions of an upstream call made for `context`: the caller's
// deadline, and `cap` as the timeout of each attempt.
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

// The base of the gateway's unary reactors. gRPC runs a reactor's OnCancel
// and OnDone on its executor thread unless the reactor says they are
// inlineable; for a unary call that hand-off is one more thread wake-up per
// call, the largest avoidable cost a profile of the hot path showed
// (tests/bench/RESULTS.md, run 5). gRPC marks the hook as not API: it is meant
// for its own reactors with trivial reactions, and the reactions here are as
// trivial: OnDone deletes the reactor, OnCancel queues cancellations (a mutex
// and a wake-up, never a wait). A subclass must keep both that way: they now
// run on the gRPC thread that completed the call. Should gRPC remove the hook,
// `override` stops the build instead of silently losing the inlining.
class InlineUnaryReactor : public grpc::ServerUnaryReactor {
 public:
  bool InternalInlineable() override { return true; }
};

// A unary RPC answered by one upstream call.
class UnaryUpstreamRpc : public InlineUnaryReactor {
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
