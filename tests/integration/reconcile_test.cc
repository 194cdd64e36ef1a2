// Issue 13 end to end: a real sandbox that loses callbacks on purpose and a
// real gateway whose reconciler finds the results anyway, on a time-scaled
// schedule so each test takes seconds.
#include <gtest/gtest.h>
#include <signal.h>

#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "rapidjson/document.h"
#include "tests/integration/callbacks/node_fixture.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/testing/loopback.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using testing::Context;

using callbacks::testing::Watcher;

// A stream of every callback, from the oldest.
v1::WatchCallbacksRequest FromEarliest() {
  v1::WatchCallbacksRequest request;
  request.set_start_position(v1::START_POSITION_EARLIEST);
  return request;
}

// Waits (bounded) until `watcher` got events for every execution in `names`.
bool WaitForAll(Watcher& watcher, const std::set<std::string>& names,
                absl::Duration timeout) {
  return ::jumio::testing::WaitFor(
      [&] {
        std::set<std::string> seen;
        for (const v1::Callback& c : watcher.callbacks()) {
          seen.insert(c.workflow_execution().name());
        }
        for (const std::string& n : names) {
          if (seen.count(n) == 0) return false;
        }
        return true;
      },
      timeout);
}

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
  auto feed = v1::CallbackFeedService::NewStub(channel_);
  Watcher watcher(feed.get(), FromEarliest());
  const std::set<std::string> names = StartFinalized(50);
  ASSERT_TRUE(WaitForAll(watcher, names, absl::Seconds(30)))
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
  auto feed = v1::CallbackFeedService::NewStub(channel_);
  Watcher watcher(feed.get(), FromEarliest());
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
  ASSERT_TRUE(WaitForAll(watcher, names, absl::Seconds(30)));
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
  auto feed = v1::CallbackFeedService::NewStub(channel_);
  Watcher watcher(feed.get(), FromEarliest());
  ASSERT_TRUE(WaitForAll(watcher, names, absl::Seconds(30)))
      << watcher.callbacks().size() << " of 50";
  ExpectReconciledOnce(watcher.callbacks(), names, "PROCESSED");
}

// Two gateways on one real redis-server, a sandbox that drops 30% of the
// callbacks, sends 20% twice and reorders them within 300 ms: each
// execution's result reaches each stream exactly once, whether a callback,
// a late duplicate or either reconciler brought it.
class ReconcileReplicasTest : public ReconcileTest {
 protected:
  static constexpr int kExecutions = 200;

  std::vector<std::string> ExtraSandboxArgs() override {
    return {
        "--callback_faults={\"dropRate\":0.3,\"duplicateRate\":0.2,"
        "\"reorderWindowMs\":300}",
        "--seed=13"};
  }
  std::vector<std::string> ExtraGatewayArgs() override {
    // Runs inside SetUp, before the first gateway starts.
    auto redis =
        callbacks::testing::StartRedis(::jumio::testing::MakeTempDir());
    EXPECT_TRUE(redis.ok()) << redis.status();
    if (redis.ok()) redis_ = *std::move(redis);
    std::vector<std::string> args = ReconcileTest::ExtraGatewayArgs();
    args.push_back("--callback_store=redis");
    args.push_back("--callback_redis_address=" + redis_.address());
    return args;
  }
  // The first delay races the real callbacks (50 ms processing + up to
  // 300 ms of reordering).
  std::string Schedule() override { return "200ms,400ms,800ms,1600ms"; }

  void TearDown() override {
    if (second_ != nullptr) second_->Stop();
    gateway_.reset();  // before the store it writes to
    if (redis_.proc != nullptr) redis_.proc->Stop();
  }

  // The second replica: the first one's command line with its own callback
  // receiver and admin port file.
  void StartSecond() {
    const int port = ::jumio::testing::FreeLoopbackPort();
    std::vector<std::string> args;
    for (const std::string& arg : gateway_extra_args_) {
      if (absl::StartsWith(arg, "--callback_listen_port=")) {
        args.push_back(absl::StrCat("--callback_listen_port=", port));
      } else if (absl::StartsWith(arg, "--callback_public_base_url=")) {
        args.push_back(
            absl::StrCat("--callback_public_base_url=http://127.0.0.1:", port));
      } else if (absl::StartsWith(arg, "--admin_port_file=")) {
        args.push_back("--admin_port_file=" + dir_ + "/admin-b.port");
      } else {
        args.push_back(arg);
      }
    }
    auto second = StartGateway(args, dir_ + "/gateway-b.log");
    ASSERT_TRUE(second.ok()) << second.status();
    second_ = *std::move(second);
    second_channel_ =
        grpc::CreateChannel(absl::StrCat("127.0.0.1:", second_->port()),
                            grpc::InsecureChannelCredentials());
  }

  // Copies the sandbox still has to send.
  int SandboxPending() {
    rapidjson::Document doc;
    doc.Parse(http_.Get(sandbox_url_ + "/_sandbox/callbacks").body.c_str());
    return doc.IsObject() && doc.HasMember("pending") && doc["pending"].IsInt()
               ? doc["pending"].GetInt()
               : -1;
  }

  callbacks::testing::RedisServer redis_;
  std::unique_ptr<::jumio::testing::Subprocess> second_;
  std::shared_ptr<grpc::Channel> second_channel_;
};

TEST_F(ReconcileReplicasTest, ExactlyOneResultPerExecutionOnEachStream) {
  ASSERT_NE(redis_.proc, nullptr);
  StartSecond();
  auto feed_a = v1::CallbackFeedService::NewStub(channel_);
  auto feed_b = v1::CallbackFeedService::NewStub(second_channel_);
  Watcher on_a(feed_a.get(), FromEarliest());
  Watcher on_b(feed_b.get(), FromEarliest());
  // And one named subscription with a stream on each replica: together they
  // get each result once (nothing is acknowledged, so the ack deadline is
  // longer than the test).
  v1::WatchCallbacksRequest subscribe = FromEarliest();
  subscribe.set_subscription("reconcile-test");
  subscribe.set_max_outstanding_callbacks(1000);
  subscribe.mutable_ack_deadline()->set_seconds(600);
  Watcher group_a(feed_a.get(), subscribe);
  Watcher group_b(feed_b.get(), subscribe);

  // Half the executions start on each replica (their callbacks go to it).
  auto accounts_b = v1::AccountService::NewStub(second_channel_);
  auto workflows_b = v1::WorkflowExecutionService::NewStub(second_channel_);
  std::set<std::string> names;
  for (int i = 0; i < kExecutions; ++i) {
    const bool on_second = i % 2 == 1;
    v1::CreateAccountRequest request;
    request.set_region(v1::REGION_EMEA_1);
    request.set_user_reference(absl::StrCat("replicas-", i));
    request.mutable_workflow_definition()->set_key(2);
    v1::CreateAccountResponse created;
    grpc::Status status =
        (on_second ? accounts_b : accounts_)
            ->CreateAccount(Context().get(), request, &created);
    ASSERT_TRUE(status.ok()) << status.error_message();
    v1::FinalizeWorkflowExecutionRequest finalize;
    finalize.set_name(created.workflow_execution().name());
    v1::FinalizeWorkflowExecutionResponse finalized;
    status =
        (on_second ? workflows_b : workflows_)
            ->FinalizeWorkflowExecution(Context().get(), finalize, &finalized);
    ASSERT_TRUE(status.ok()) << status.error_message();
    names.insert(finalize.name());
  }

  // Everything settled: the sandbox sent every copy, nothing is tracked
  // (the store is shared, so one replica's gauge covers both), and both
  // streams have every execution.
  ASSERT_TRUE(::jumio::testing::WaitFor(
      [&] {
        return SandboxPending() == 0 &&
               absl::StrContains(Metrics(),
                                 "jumio_reconcile_tracked_executions 0\n");
      },
      absl::Seconds(60)))
      << Metrics();
  ASSERT_TRUE(WaitForAll(on_a, names, absl::Seconds(30)));
  ASSERT_TRUE(WaitForAll(on_b, names, absl::Seconds(30)));

  ASSERT_TRUE(::jumio::testing::WaitFor(
      [&] { return group_a.count() + group_b.count() >= names.size(); },
      absl::Seconds(30)))
      << group_a.count() << " + " << group_b.count();
  std::map<std::string, int> in_group;
  for (Watcher* watcher : {&group_a, &group_b}) {
    for (const v1::Callback& c : watcher->callbacks()) {
      ++in_group[c.workflow_execution().name()];
    }
  }
  EXPECT_EQ(in_group.size(), names.size());
  for (const auto& [name, n] : in_group) EXPECT_EQ(n, 1) << name;
  std::cerr << "subscription: " << group_a.count() << " on one replica, "
            << group_b.count() << " on the other\n";

  for (Watcher* watcher : {&on_a, &on_b}) {
    std::map<std::string, int> count;
    std::map<v1::CallbackSource, int> sources;
    for (const v1::Callback& c : watcher->callbacks()) {
      ++count[c.workflow_execution().name()];
      ++sources[c.source()];
      EXPECT_EQ(c.workflow_execution().raw_status(), "PROCESSED");
    }
    EXPECT_EQ(count.size(), names.size());
    for (const auto& [name, n] : count) EXPECT_EQ(n, 1) << name;
    // Both paths were taken: some callbacks came, some were reconciled.
    EXPECT_GT(sources[v1::CALLBACK_SOURCE_JUMIO_CALLBACK], 0);
    EXPECT_GT(sources[v1::CALLBACK_SOURCE_RECONCILED], 0);
    std::cerr << "stream: " << sources[v1::CALLBACK_SOURCE_JUMIO_CALLBACK]
              << " callbacks, " << sources[v1::CALLBACK_SOURCE_RECONCILED]
              << " reconciled\n";
  }
}

}  // namespace
}  // namespace jumio_gateway
