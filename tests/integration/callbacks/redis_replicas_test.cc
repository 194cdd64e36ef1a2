// Two callback_nodes sharing one redis-server (started here on loopback): a
// callback received by one is delivered by the other, duplicates sent to
// both are stored once, and a named subscription spans both nodes, with
// unacknowledged callbacks redelivered to the other node.
#include <map>
#include <set>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/callbacks/node_fixture.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/testing/http_client.h"

namespace jumio_gateway::callbacks::testing {
namespace {

using jumio::testing::HttpClient;
using jumio::testing::MakeTempDir;
using jumio::testing::WaitFor;

class RedisReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = MakeTempDir();
    auto redis = StartRedis(dir_);
    ASSERT_TRUE(redis.ok()) << redis.status();
    redis_ = *std::move(redis);
    for (Node* n : {&a_, &b_}) {
      auto node =
          StartNode(MakeTempDir(),
                    {"--store=redis", "--redis_address=" + redis_.address(),
                     "--min_ack_deadline=500ms"});
      ASSERT_TRUE(node.ok()) << node.status();
      *n = *std::move(node);
    }
  }
  void TearDown() override {
    for (Node* n : {&a_, &b_}) {
      if (n->proc) n->proc->Stop();
    }
    if (redis_.proc) redis_.proc->Stop();
  }
  int Post(const Node& n, const std::string& we, const std::string& account) {
    auto r = http_.Send(
        "POST",
        absl::StrCat("http://127.0.0.1:", n.http_port, CallbackPath(account)),
        CallbackBody(we, account), {{"Content-Type", "application/json"}});
    return r.status;
  }

  std::string dir_;
  RedisServer redis_;
  Node a_, b_;
  HttpClient http_;
};

TEST_F(RedisReplicasTest, ReceivedByOneDeliveredByTheOther) {
  v1::WatchCallbacksRequest req;
  req.set_start_position(v1::START_POSITION_EARLIEST);
  Watcher on_b(b_.stub.get(), req);
  Watcher on_a(a_.stub.get(), req);
  for (int i = 0; i < 20; ++i) {
    ASSERT_EQ(Post(i % 2 == 0 ? a_ : b_, absl::StrCat("we-", i), "acct-1"),
              200);
  }
  // The same callback to both replicas: stored once.
  ASSERT_EQ(Post(a_, "we-dup", "acct-1"), 200);
  ASSERT_EQ(Post(b_, "we-dup", "acct-1"), 200);
  for (Watcher* w : {&on_a, &on_b}) {
    ASSERT_TRUE(WaitFor([&] { return w->count() >= 21; }, absl::Seconds(20)))
        << w->count();
  }
  for (Watcher* w : {&on_a, &on_b}) {
    std::set<std::string> ids;
    for (const auto& cb : w->callbacks()) {
      ids.insert(cb.workflow_execution().id());
    }
    EXPECT_EQ(ids.size(), 21u);
    EXPECT_EQ(w->count(), 21u);
  }
  std::vector<std::string> order_a, order_b;
  for (const auto& cb : on_a.callbacks()) order_a.push_back(cb.cursor());
  for (const auto& cb : on_b.callbacks()) order_b.push_back(cb.cursor());
  EXPECT_EQ(order_a, order_b);
}

TEST_F(RedisReplicasTest, SubscriptionSpansReplicasAndRedelivers) {
  v1::WatchCallbacksRequest req;
  req.set_subscription("billing");
  req.set_start_position(v1::START_POSITION_EARLIEST);
  req.mutable_ack_deadline()->set_nanos(800 * 1000 * 1000);
  auto first = std::make_unique<Watcher>(a_.stub.get(), req);
  // Wait until the subscription exists (the stream created it).
  ASSERT_TRUE(WaitFor(
      [&] {
        grpc::ClientContext ctx;
        v1::AcknowledgeCallbacksRequest ack;
        ack.set_subscription("billing");
        ack.add_cursors("0-0");
        v1::AcknowledgeCallbacksResponse resp;
        return a_.stub->AcknowledgeCallbacks(&ctx, ack, &resp).ok();
      },
      absl::Seconds(10)));
  for (int i = 0; i < 10; ++i) {
    ASSERT_EQ(Post(b_, absl::StrCat("we-", i), "acct-1"), 200);
  }
  ASSERT_TRUE(WaitFor([&] { return first->count() >= 10; }, absl::Seconds(20)));
  // The first consumer goes away without acknowledging anything: after the
  // ack deadline, a consumer on the other replica gets them all.
  first.reset();
  Watcher second(b_.stub.get(), req);
  ASSERT_TRUE(WaitFor([&] { return second.count() >= 10; }, absl::Seconds(20)))
      << second.count();
  std::set<std::string> ids;
  grpc::ClientContext ctx;
  v1::AcknowledgeCallbacksRequest ack;
  ack.set_subscription("billing");
  for (const auto& cb : second.callbacks()) {
    ids.insert(cb.workflow_execution().id());
    ack.add_cursors(cb.cursor());
  }
  EXPECT_EQ(ids.size(), 10u);
  v1::AcknowledgeCallbacksResponse resp;
  ASSERT_TRUE(a_.stub->AcknowledgeCallbacks(&ctx, ack, &resp).ok());
  // Acknowledged: nothing comes back after another deadline; a new callback
  // still does.
  ASSERT_EQ(Post(a_, "we-last", "acct-1"), 200);
  ASSERT_TRUE(WaitFor([&] { return second.count() >= 11; }, absl::Seconds(20)));
  const auto all = second.callbacks();
  EXPECT_EQ(all.back().workflow_execution().id(), "we-last");

  // Unknown subscription: NOT_FOUND.
  grpc::ClientContext ctx2;
  ack.set_subscription("nobody");
  EXPECT_EQ(b_.stub->AcknowledgeCallbacks(&ctx2, ack, &resp).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

}  // namespace
}  // namespace jumio_gateway::callbacks::testing
