// Issue 13 end to end: a real sandbox that loses callbacks on purpose and a
// real gateway whose reconciler finds the results anyway, on a time-scaled
// schedule so each test takes seconds.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <map>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/protobuf/util/time_util.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "tests/integration/gateway_fixture.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using testing::Context;

// Reads one WatchCallbacks stream on its own thread and keeps every callback
// it delivers, counting each (execution, status) pair.
class Watcher {
 public:
  Watcher(const std::shared_ptr<grpc::Channel>& channel, int seconds) {
    stub_ = v1::CallbackFeedService::NewStub(channel);
    context_ = Context(seconds);
    v1::WatchCallbacksRequest request;
    request.set_start_position(v1::START_POSITION_EARLIEST);
    stream_ = stub_->WatchCallbacks(context_.get(), request);
    thread_ = std::thread([this] {
      v1::WatchCallbacksResponse message;
      while (stream_->Read(&message)) {
        if (!message.has_callback()) continue;
        absl::MutexLock l(&mu_);
        callbacks_.push_back(message.callback());
      }
    });
  }
  ~Watcher() {
    context_->TryCancel();
    thread_.join();
  }
  std::vector<v1::Callback> callbacks() {
    absl::MutexLock l(&mu_);
    return callbacks_;
  }
  // Waits (bounded) until the stream delivered events for every execution in
  // `names`.
  bool WaitForAll(const std::set<std::string>& names, absl::Duration timeout) {
    return ::jumio::testing::WaitFor(
        [&] {
          std::set<std::string> seen;
          for (const v1::Callback& c : callbacks()) {
            seen.insert(c.workflow_execution().name());
          }
          for (const std::string& n : names) {
            if (seen.count(n) == 0) return false;
          }
          return true;
        },
        timeout);
  }

 private:
  std::unique_ptr<v1::CallbackFeedService::Stub> stub_;
  std::unique_ptr<grpc::ClientContext> context_;
  std::unique_ptr<grpc::ClientReader<v1::WatchCallbacksResponse>> stream_;
  absl::Mutex mu_;
  std::vector<v1::Callback> callbacks_ ABSL_GUARDED_BY(mu_);
  std::thread thread_;
};

class ReconcileTest : public testing::GatewayFixture {
 protected:
  std::vector<std::string> ExtraSandboxArgs() override {
    // Every callback lost; Jumio's 30 min token lifetime and 15 min session
    // become 6 s and 3 s.
    return {"--callback_faults={\"dropRate\":1}", "--time_scale=300"};
  }
  std::vector<std::string> ExtraGatewayArgs() override {
    std::vector<std::string> args = CallbackReceiverArgs();
    args.push_back("--admin_port_file=" + dir_ + "/admin.port");
    args.push_back("--reconcile_schedule=" + Schedule());
    args.push_back("--reconcile_tick=100ms");
    args.push_back("--reconcile_session_timeout=1s");
    args.push_back("--reconcile_expiry_grace=0s");
    args.push_back("--reconcile_unfinalized_interval=500ms");
    return args;
  }
  virtual std::string Schedule() { return "300ms,600ms,1s,2s"; }

  // Creates and finalizes `n` workflow executions (workflow 2, nothing
  // uploaded: the sandbox processes it with usability NOT_UPLOADED).
  std::set<std::string> StartFinalized(int n) {
    std::set<std::string> names;
    for (int i = 0; i < n; ++i) {
      v1::CreateAccountResponse created =
          Create(2, absl::StrCat("reconcile-", i));
      const std::string name = created.workflow_execution().name();
      EXPECT_FALSE(name.empty());
      EXPECT_TRUE(Finalize(name).ok()) << name;
      names.insert(name);
    }
    return names;
  }

  std::string Metrics() {
    std::ifstream port_file(dir_ + "/admin.port");
    int port = 0;
    port_file >> port;
    if (port == 0) return "";
    return http_.Get(absl::StrCat("http://127.0.0.1:", port, "/metrics")).body;
  }

  // Every execution of `names` once, terminal status `status`, RECONCILED.
  static void ExpectReconciledOnce(const std::vector<v1::Callback>& got,
                                   const std::set<std::string>& names,
                                   const std::string& status) {
    std::map<std::string, int> count;
    for (const v1::Callback& c : got) {
      if (names.count(c.workflow_execution().name()) == 0) continue;
      ++count[c.workflow_execution().name()];
      EXPECT_EQ(c.workflow_execution().raw_status(), status) << c.DebugString();
      EXPECT_EQ(c.source(), v1::CALLBACK_SOURCE_RECONCILED) << c.DebugString();
      EXPECT_FALSE(c.cursor().empty());
    }
    EXPECT_EQ(count.size(), names.size());
    for (const auto& [name, n] : count) EXPECT_EQ(n, 1) << name;
  }
};

TEST_F(ReconcileTest, EveryFinalizedExecutionIsReconciledWhenAllCallbacksDrop) {
  Watcher watcher(channel_, 60);
  const std::set<std::string> names = StartFinalized(50);
  ASSERT_TRUE(watcher.WaitForAll(names, absl::Seconds(30)))
      << watcher.callbacks().size() << " of 50";
  ExpectReconciledOnce(watcher.callbacks(), names, "PROCESSED");

  // The sandbox really lost every callback.
  const std::string deliveries =
      http_.Get(sandbox_url_ + "/_sandbox/callbacks").body;
  EXPECT_FALSE(absl::StrContains(deliveries, "\"httpStatus\":200"));
  EXPECT_TRUE(absl::StrContains(deliveries, "dropped by callback fault"));
  // Counted, and nothing left to track.
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        const std::string m = Metrics();
        return absl::StrContains(
                   m,
                   "jumio_callbacks_reconciled_total{status=\"PROCESSED\"} "
                   "50\n") &&
               absl::StrContains(m, "jumio_reconcile_tracked_executions 0\n");
      },
      absl::Seconds(10)))
      << Metrics();

  // ListCallbacks shows the source too, enriched like a callback.
  auto stub = v1::CallbackFeedService::NewStub(channel_);
  v1::ListCallbacksRequest list;
  list.set_page_size(1000);
  v1::ListCallbacksResponse listed;
  ASSERT_TRUE(stub->ListCallbacks(Context().get(), list, &listed).ok());
  ASSERT_EQ(listed.callbacks_size(), 50);
  EXPECT_EQ(listed.callbacks(0).source(), v1::CALLBACK_SOURCE_RECONCILED);
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        v1::ListCallbacksResponse again;
        return stub->ListCallbacks(Context().get(), list, &again).ok() &&
               again.callbacks_size() == 50 &&
               again.callbacks(49).enrichment().has_decision();
      },
      absl::Seconds(10)));
}

TEST_F(ReconcileTest, UnfinalizedExecutionEndsExpiredOnTheStream) {
  Watcher watcher(channel_, 60);
  v1::CreateAccountRequest request;
  request.set_region(v1::REGION_EMEA_1);
  request.set_user_reference("never-finalized");
  request.mutable_workflow_definition()->set_key(2);
  // 5 min, 1 s at the sandbox's time scale; nothing is uploaded.
  request.mutable_token_lifetime()->set_seconds(300);
  v1::CreateAccountResponse created;
  ASSERT_TRUE(
      accounts_->CreateAccount(Context().get(), request, &created).ok());
  const std::set<std::string> names = {created.workflow_execution().name()};
  ASSERT_TRUE(watcher.WaitForAll(names, absl::Seconds(30)));
  std::vector<v1::Callback> got = watcher.callbacks();
  ASSERT_EQ(got.size(), 1u);
  EXPECT_TRUE(got[0].workflow_execution().raw_status() == "TOKEN_EXPIRED" ||
              got[0].workflow_execution().raw_status() == "SESSION_EXPIRED")
      << got[0].DebugString();
  EXPECT_EQ(got[0].source(), v1::CALLBACK_SOURCE_RECONCILED);
}

class ReconcileAfterCrashTest : public ReconcileTest {
 protected:
  // Nothing is checked before the crash: the first check is 3 s after
  // finalize.
  std::string Schedule() override { return "3s,4s,5s"; }
};

TEST_F(ReconcileAfterCrashTest, PendingExecutionsAreReconciledAfterSigkill) {
  const std::set<std::string> names = StartFinalized(50);
  // Tracked before each create and finalize answered, so all 50 are in the
  // store now; none is due yet.
  ASSERT_TRUE(::jumio::testing::WaitFor(
      [&] {
        return absl::StrContains(Metrics(),
                                 "jumio_reconcile_tracked_executions 50\n");
      },
      absl::Seconds(10)))
      << Metrics();
  RestartGateway(SIGKILL);
  Watcher watcher(channel_, 60);
  ASSERT_TRUE(watcher.WaitForAll(names, absl::Seconds(30)))
      << watcher.callbacks().size() << " of 50";
  ExpectReconciledOnce(watcher.callbacks(), names, "PROCESSED");
}

}  // namespace
}  // namespace jumio_gateway
