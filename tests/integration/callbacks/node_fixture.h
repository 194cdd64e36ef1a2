// Shared pieces of the callback integration tests and benchmark: start a
// callback_node, make callback bodies and URL tokens, post them, and watch
// the feed from a background thread.
#ifndef JUMIO_GATEWAY_TESTS_INTEGRATION_CALLBACKS_NODE_FIXTURE_H_
#define JUMIO_GATEWAY_TESTS_INTEGRATION_CALLBACKS_NODE_FIXTURE_H_

#include <grpcpp/grpcpp.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks::testing {

namespace v1 = ::jumio::gateway::v1;

// The HMAC key every test node uses (written to a file in `dir`).
std::string WriteKeyFile(const std::string& dir);
inline constexpr char kTestKey[] =
    "test-callback-hmac-key-0123456789abcdef-0123456789";

struct Node {
  std::unique_ptr<jumio::testing::Subprocess> proc;
  int http_port = 0;
  int grpc_port = 0;
  std::shared_ptr<grpc::Channel> channel;
  std::unique_ptr<v1::CallbackFeedService::Stub> stub;
};

// Starts tests/integration/callbacks/callback_node with `args` (plus the
// port files and key file). Logs go to <dir>/node.log.
absl::StatusOr<Node> StartNode(const std::string& dir,
                               std::vector<std::string> args);

// A Jumio callback body for the given ids (region amer-1 in the hrefs).
std::string CallbackBody(const std::string& workflow_execution_id,
                         const std::string& account_id,
                         const std::string& status = "PROCESSED");

// The path "/callbacks/v1/<account token>" for `account_id`.
std::string CallbackPath(const std::string& account_id);

// Collects everything a WatchCallbacks stream delivers, on its own thread.
class Watcher {
 public:
  Watcher(v1::CallbackFeedService::Stub* stub, v1::WatchCallbacksRequest req);
  ~Watcher();  // Cancel + join
  void Cancel();

  std::vector<v1::Callback> callbacks();
  size_t count();
  bool finished();
  grpc::Status status();
  // Receive time (local clock) of each callback, same order as callbacks().
  std::vector<absl::Time> arrival_times();

 private:
  grpc::ClientContext context_;
  absl::Mutex mu_;
  std::vector<v1::Callback> callbacks_ ABSL_GUARDED_BY(mu_);
  std::vector<absl::Time> arrivals_ ABSL_GUARDED_BY(mu_);
  bool finished_ ABSL_GUARDED_BY(mu_) = false;
  grpc::Status status_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

}  // namespace jumio_gateway::callbacks::testing

#endif  // JUMIO_GATEWAY_TESTS_INTEGRATION_CALLBACKS_NODE_FIXTURE_H_
