// Crash safety with real parts: a callback_node on SQLite is SIGKILLed at
// random moments while senders post 1,000 callbacks, then restarted; every
// callback that got a 200 must be delivered after the last restart.
#include <signal.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "gtest/gtest.h"
#include "tests/integration/callbacks/node_fixture.h"
#include "tests/testing/http_client.h"

namespace jumio_gateway::callbacks::testing {
namespace {

using jumio::testing::HttpClient;
using jumio::testing::MakeTempDir;
using jumio::testing::WaitFor;

constexpr int kCallbacks = 1000;
constexpr int kSenders = 4;

TEST(CallbackCrashTest, EveryAcknowledgedCallbackSurvivesSigkill) {
  const std::string dir = MakeTempDir();
  const std::vector<std::string> args = {"--store=sqlite",
                                         "--sqlite_path=" + dir + "/cb.db"};
  std::mt19937 rng(20240605);
  std::atomic<int> next{0};
  absl::Mutex mu;
  std::set<std::string> acked;  // workflow execution ids answered 200
  int kills = 0;

  while (next.load() < kCallbacks) {
    auto node = StartNode(dir, args);
    ASSERT_TRUE(node.ok()) << node.status();
    const int port = node->http_port;
    std::atomic<int> ok_this_run{0};
    std::atomic<bool> node_dead{false};
    std::vector<std::thread> senders;
    for (int s = 0; s < kSenders; ++s) {
      senders.emplace_back([&, port] {
        HttpClient http(absl::Seconds(10));
        while (!node_dead.load()) {
          const int i = next.fetch_add(1);
          if (i >= kCallbacks) return;
          const std::string we = absl::StrCat("we-", i);
          const std::string account = absl::StrCat("acct-", i % 17);
          auto r = http.Send(
              "POST",
              absl::StrCat("http://127.0.0.1:", port, CallbackPath(account)),
              CallbackBody(we, account),
              {{"Content-Type", "application/json"}});
          if (r.status == 200) {
            ok_this_run.fetch_add(1);
            absl::MutexLock l(&mu);
            acked.insert(we);
          }
        }
      });
    }
    // Kill after a random number of successes in this run (a random moment
    // in the middle of the traffic), at most 6 times.
    const int target = std::uniform_int_distribution<int>(40, 220)(rng);
    if (kills < 6) {
      WaitFor(
          [&] {
            return ok_this_run.load() >= target || next.load() >= kCallbacks;
          },
          absl::Seconds(60));
      if (next.load() < kCallbacks) {
        ASSERT_EQ(kill(node->proc->pid(), SIGKILL), 0);
        ++kills;
        node_dead.store(true);
      }
    }
    for (auto& t : senders) t.join();
    node->proc->Stop();  // reaps the killed child, or stops the last one
  }
  EXPECT_GE(kills, 3);

  // Restart and read everything back from the beginning.
  auto node = StartNode(dir, args);
  ASSERT_TRUE(node.ok()) << node.status();
  v1::WatchCallbacksRequest req;
  req.set_start_position(v1::START_POSITION_EARLIEST);
  Watcher watcher(node->stub.get(), req);
  size_t expected;
  {
    absl::MutexLock l(&mu);
    expected = acked.size();
  }
  ASSERT_GT(expected, 500u);
  // Callbacks stored but cut off before their 200 are delivered too, so wait
  // until every acknowledged one is there.
  auto all_delivered = [&] {
    std::set<std::string> seen;
    for (const auto& cb : watcher.callbacks()) {
      seen.insert(cb.workflow_execution().id());
    }
    absl::MutexLock l(&mu);
    for (const std::string& we : acked) {
      if (seen.count(we) == 0) return false;
    }
    return true;
  };
  EXPECT_TRUE(WaitFor(all_delivered, absl::Seconds(30)));
  const auto delivered = watcher.callbacks();
  int lost = 0;
  std::set<std::string> seen;
  int64_t last = 0;
  for (const auto& cb : delivered) {
    int64_t c = 0;
    ASSERT_TRUE(absl::SimpleAtoi(cb.cursor(), &c));
    EXPECT_GT(c, last) << "cursor order";
    last = c;
    EXPECT_TRUE(seen.insert(cb.workflow_execution().id()).second)
        << "stored twice: " << cb.workflow_execution().id();
  }
  {
    absl::MutexLock l(&mu);
    for (const std::string& we : acked) lost += seen.count(we) == 0;
  }
  EXPECT_EQ(lost, 0);
  std::printf("crash test: %d kills, %zu acknowledged, %zu stored, %d lost\n",
              kills, expected, delivered.size(), lost);
}

}  // namespace
}  // namespace jumio_gateway::callbacks::testing
