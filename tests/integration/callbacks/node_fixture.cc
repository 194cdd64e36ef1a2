#include "tests/integration/callbacks/node_fixture.h"

#include <fstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "server/callbacks/token.h"

namespace jumio_gateway::callbacks::testing {

std::string WriteKeyFile(const std::string& dir) {
  const std::string path = dir + "/callback.key";
  std::ofstream(path) << kTestKey << "\n";
  return path;
}

absl::StatusOr<Node> StartNode(const std::string& dir,
                               std::vector<std::string> args) {
  const std::string grpc_port_file =
      absl::StrCat(jumio::testing::MakeTempDir(), "/grpc_port");
  args.push_back("--grpc_port_file=" + grpc_port_file);
  args.push_back("--hmac_key_files=" + WriteKeyFile(dir));
  jumio::testing::Subprocess::Options options;
  options.log_file = dir + "/node.log";
  auto proc = jumio::testing::Subprocess::Start(
      jumio::testing::RunfilePath("tests/integration/callbacks/callback_node"),
      args, options);
  if (!proc.ok()) return proc.status();
  Node node;
  node.proc = *std::move(proc);
  node.http_port = node.proc->port();
  // Written before the receiver's port file, so it is there already.
  std::ifstream in(grpc_port_file);
  std::string line;
  if (!std::getline(in, line) ||
      !absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &node.grpc_port)) {
    return absl::InternalError("no gRPC port file");
  }
  node.channel = grpc::CreateChannel(absl::StrCat("127.0.0.1:", node.grpc_port),
                                     grpc::InsecureChannelCredentials());
  node.stub = v1::CallbackFeedService::NewStub(node.channel);
  return node;
}

std::string CallbackBody(const std::string& we, const std::string& account,
                         const std::string& status) {
  const std::string base = "https://retrieval.amer-1.jumio.ai/api/v1/accounts/";
  return absl::StrCat(
      R"({"callbackSentAt":"2021-01-21T14:55:01.917Z","userReference":"ref-)",
      we, R"(","workflowExecution":{"id":")", we, R"(","href":")", base,
      account, "/workflow-executions/", we,
      R"(","definitionKey":"10013","status":")", status,
      R"("},"account":{"id":")", account, R"(","href":")", base, account,
      R"("}})");
}

std::string CallbackPath(const std::string& account_id) {
  auto keys = HmacKeyring::FromKeys({kTestKey});
  CallbackUrlIssuer issuer("", *std::move(keys), nullptr);
  return issuer.UrlForAccount(account_id);
}

Watcher::Watcher(v1::CallbackFeedService::Stub* stub,
                 v1::WatchCallbacksRequest req) {
  thread_ = std::thread([this, stub, req] {
    auto reader = stub->WatchCallbacks(&context_, req);
    v1::WatchCallbacksResponse resp;
    while (reader->Read(&resp)) {
      if (!resp.has_callback()) continue;
      absl::MutexLock l(&mu_);
      callbacks_.push_back(resp.callback());
      arrivals_.push_back(absl::Now());
    }
    grpc::Status s = reader->Finish();
    absl::MutexLock l(&mu_);
    status_ = s;
    finished_ = true;
  });
}

Watcher::~Watcher() {
  Cancel();
  thread_.join();
}

void Watcher::Cancel() { context_.TryCancel(); }

std::vector<v1::Callback> Watcher::callbacks() {
  absl::MutexLock l(&mu_);
  return callbacks_;
}

size_t Watcher::count() {
  absl::MutexLock l(&mu_);
  return callbacks_.size();
}

bool Watcher::finished() {
  absl::MutexLock l(&mu_);
  return finished_;
}

grpc::Status Watcher::status() {
  absl::MutexLock l(&mu_);
  return status_;
}

std::vector<absl::Time> Watcher::arrival_times() {
  absl::MutexLock l(&mu_);
  return arrivals_;
}

}  // namespace jumio_gateway::callbacks::testing
