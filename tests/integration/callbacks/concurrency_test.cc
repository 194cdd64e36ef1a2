// 8 senders and 3 subscribers on one callback_node: each subscriber sees
// every callback once, in cursor order.
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "tests/integration/callbacks/node_fixture.h"
#include "tests/testing/http_client.h"

namespace jumio_gateway::callbacks::testing {
namespace {

using jumio::testing::HttpClient;
using jumio::testing::MakeTempDir;
using jumio::testing::WaitFor;

constexpr int kSenders = 8;
constexpr int kPerSender = 125;
constexpr int kSubscribers = 3;

TEST(CallbackConcurrencyTest, EverySubscriberSeesEveryCallbackInOrder) {
  const std::string dir = MakeTempDir();
  auto node =
      StartNode(dir, {"--store=sqlite", "--sqlite_path=" + dir + "/cb.db"});
  ASSERT_TRUE(node.ok()) << node.status();

  std::vector<std::unique_ptr<Watcher>> watchers;
  for (int i = 0; i < kSubscribers; ++i) {
    v1::WatchCallbacksRequest req;
    req.set_start_position(v1::START_POSITION_EARLIEST);
    watchers.push_back(std::make_unique<Watcher>(node->stub.get(), req));
  }
  std::atomic<int> ok{0};
  std::vector<std::thread> senders;
  for (int s = 0; s < kSenders; ++s) {
    senders.emplace_back([&, s] {
      HttpClient http;
      for (int i = 0; i < kPerSender; ++i) {
        const std::string we = absl::StrCat("we-", s, "-", i);
        const std::string account = absl::StrCat("acct-", s);
        auto r = http.Send("POST",
                           absl::StrCat("http://127.0.0.1:", node->http_port,
                                        CallbackPath(account)),
                           CallbackBody(we, account),
                           {{"Content-Type", "application/json"}});
        if (r.status == 200) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : senders) t.join();
  ASSERT_EQ(ok.load(), kSenders * kPerSender);

  for (auto& w : watchers) {
    ASSERT_TRUE(WaitFor([&] { return w->count() >= kSenders * kPerSender; },
                        absl::Seconds(30)))
        << w->count();
  }
  std::vector<std::string> first_order;
  for (auto& w : watchers) {
    const auto cbs = w->callbacks();
    EXPECT_EQ(cbs.size(), static_cast<size_t>(kSenders * kPerSender));
    std::set<std::string> ids;
    int64_t last = 0;
    std::vector<std::string> order;
    for (const auto& cb : cbs) {
      int64_t c = 0;
      ASSERT_TRUE(absl::SimpleAtoi(cb.cursor(), &c));
      EXPECT_GT(c, last);
      last = c;
      ids.insert(cb.workflow_execution().id());
      order.push_back(cb.cursor());
    }
    EXPECT_EQ(ids.size(), static_cast<size_t>(kSenders * kPerSender));
    if (first_order.empty()) {
      first_order = order;
    } else {
      EXPECT_EQ(order, first_order);
    }
  }
}

}  // namespace
}  // namespace jumio_gateway::callbacks::testing
