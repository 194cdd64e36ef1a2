// One whole API-channel verification as a single call: create the account
// (with a request id, so that a retried create makes one account), upload
// each file to the part its classifier names, finalize, then wait for the
// result. The wait follows the callback stream (WatchCallbacks, filtered to
// the execution, from the start of the log, so that a callback that came
// before the stream opened is seen) and, at each point of a polling schedule
// (Jumio's retrieval schedule by default), asks GetWorkflowExecutionStatus
// as well: a callback that never comes (Jumio does not retry them), or a
// gateway without a callback receiver, only delays the answer.
//
//   Verification v;
//   v.workflow_key = 3;
//   v.files = {{"FRONT", "front.jpg"}, {"BACK", "back.jpg"}, {"FACE",
//   "face.jpg"}};
//   VerifyResult result;
//   grpc::Status status = Verify(channel, v, [](const VerifyProgress& p) {
//     std::cerr << p.text << "\n";
//   }, &result);
#ifndef JUMIO_GATEWAY_CLIENT_VERIFY_H_
#define JUMIO_GATEWAY_CLIENT_VERIFY_H_

#include <grpcpp/grpcpp.h>

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "jumio/gateway/v1/account.pb.h"
#include "jumio/gateway/v1/workflow_execution.pb.h"

namespace jumio_gateway::client {

struct Verification {
  ::jumio::gateway::v1::Region region =
      ::jumio::gateway::v1::REGION_UNSPECIFIED;
  int64_t workflow_key = 3;
  std::string user_reference;
  std::string customer_internal_reference;
  // Empty: a random UUID, so that Verify's own retries of the create are
  // safe.
  std::string request_id;
  // Classifier as Jumio names it ("FRONT", "BACK", "FACE", ...) to file.
  std::map<std::string, std::string> files;
  // The whole verification, from the create to the result.
  absl::Duration timeout = absl::Minutes(20);
  // Each call's deadline (the stream's is its wait).
  absl::Duration call_deadline = absl::Seconds(30);
  // When to ask for the status, counted from the finalize. Default: Jumio's
  // documented retrieval schedule (40, 60, 100, 160, 240, 340, 460, 600, 760
  // and 940 s), which tests shorten.
  std::vector<absl::Duration> poll_schedule;
  size_t chunk_size = 256 * 1024;
};

struct VerifyProgress {
  enum class Step { kCreated, kUploaded, kFinalized, kWaiting, kFinished };
  Step step;
  std::string text;  // one line for a person, without a newline
};

struct VerifyResult {
  ::jumio::gateway::v1::CreateAccountResponse created;
  // GetWorkflowExecution of the finished execution: status, decision,
  // capabilities.
  ::jumio::gateway::v1::WorkflowExecution execution;
  // "callback" when the stream brought the final status, "poll" otherwise.
  std::string seen_by;
};

// Jumio's retrieval schedule after finalize.
std::vector<absl::Duration> JumioRetrievalSchedule();

// Runs the verification, filling `result` as it goes. A failed RPC ends it
// with that call's status, google.rpc details kept (see DescribeRpcError); a
// file whose classifier the created execution has no part for is
// INVALID_ARGUMENT before any upload; no final status within `timeout` is
// DEADLINE_EXCEEDED.
grpc::Status Verify(const std::shared_ptr<grpc::Channel>& channel,
                    const Verification& v,
                    const std::function<void(const VerifyProgress&)>& progress,
                    VerifyResult* result);

}  // namespace jumio_gateway::client

#endif  // JUMIO_GATEWAY_CLIENT_VERIFY_H_
