// Runs a unary RPC that is answered by one Jumio call, on the gRPC callback
// API: no thread waits while Jumio works. The caller's deadline bounds the
// upstream call, and a cancelled RPC aborts the transfer.
#ifndef JUMIO_GATEWAY_SERVER_API_JUMIO_RPC_H_
#define JUMIO_GATEWAY_SERVER_API_JUMIO_RPC_H_

#include <grpcpp/grpcpp.h>

#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/functional/any_invocable.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "server/jumio/jumio_client.h"

namespace jumio_gateway::api {

// The upstream deadline of an RPC: the caller's deadline, but never later than
// now + `cap`.
absl::Time UpstreamDeadline(const grpc::CallbackServerContext& context,
                            absl::Time now, absl::Duration cap);

// Ends a unary RPC at once (invalid input, replayed result).
grpc::ServerUnaryReactor* FinishNow(grpc::CallbackServerContext* context,
                                    const absl::Status& status);

class UnaryJumioRpc : public grpc::ServerUnaryReactor {
 public:
  // Fills the RPC's response from Jumio's 2xx answer.
  using Parse = absl::AnyInvocable<absl::Status(const jumio::HttpResponse&) &&>;
  // Sees every upstream error and returns the RPC's status (for example OK for
  // NOT_FOUND when the caller set allow_missing).
  using OnError = absl::AnyInvocable<absl::Status(absl::Status) &&>;

  // Finishes at once with `call`'s error when it is not OK (validation failed
  // before sending).
  static grpc::ServerUnaryReactor* Start(grpc::CallbackServerContext* context,
                                         jumio::JumioClient& client,
                                         absl::StatusOr<jumio::JumioCall> call,
                                         Parse parse,
                                         OnError on_error = nullptr);

  void OnCancel() override;
  void OnDone() override { delete this; }

 private:
  UnaryJumioRpc(Parse parse, OnError on_error)
      : parse_(std::move(parse)), on_error_(std::move(on_error)) {}
  void Complete(absl::StatusOr<jumio::HttpResponse> response);

  Parse parse_;
  OnError on_error_;
  absl::Mutex mu_;
  std::shared_ptr<jumio::CallHandle> handle_ ABSL_GUARDED_BY(mu_);
  bool cancelled_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_JUMIO_RPC_H_
