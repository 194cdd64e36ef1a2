// Callback path benchmark (a program, not a test): for each store, starts a
// callback_node (and a redis-server for Redis), posts N callbacks from C
// concurrent senders, and prints
//   - durable callbacks per second (every one answered 200, i.e. stored),
//   - POST latency p50/p99 (send -> 200),
//   - receive-to-subscriber latency p50/p99 (the node's receive_time -> a
//     WatchCallbacks subscriber has it; same host clock).
//
//   bazel run -c opt //tests/bench/callbacks:callback_bench --
//       --callbacks=5000 --senders=64 --stores=sqlite,redis
#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/time/clock.h"
#include "tests/integration/callbacks/node_fixture.h"
#include "tests/integration/callbacks/redis_fixture.h"
#include "tests/testing/http_client.h"

ABSL_FLAG(int, callbacks, 5000, "Callbacks per store.");
ABSL_FLAG(int, senders, 64, "Concurrent senders.");
ABSL_FLAG(int, rate, 0,
          "Offered load in callbacks/s (open loop); 0: as fast as possible.");
ABSL_FLAG(std::string, stores, "sqlite,redis", "Stores to measure.");

namespace jumio_gateway::callbacks::testing {
namespace {

double Percentile(std::vector<double> v, double p) {
  if (v.empty()) return 0;
  std::sort(v.begin(), v.end());
  const size_t i = std::min(v.size() - 1, static_cast<size_t>(p * v.size()));
  return v[i];
}

int Run(const std::string& store) {
  const int n = absl::GetFlag(FLAGS_callbacks);
  const int senders = absl::GetFlag(FLAGS_senders);
  const std::string dir = jumio::testing::MakeTempDir();
  RedisServer redis;
  std::vector<std::string> args = {"--store=" + store};
  if (store == "redis") {
    auto r = StartRedis(dir);
    if (!r.ok()) {
      std::fprintf(stderr, "redis: %s\n", r.status().ToString().c_str());
      return 1;
    }
    redis = *std::move(r);
    args.push_back("--redis_address=" + redis.address());
  } else {
    args.push_back("--sqlite_path=" + dir + "/bench.db");
  }
  args.push_back(absl::StrCat("--receiver_threads=", senders + 8));
  auto node = StartNode(dir, args);
  if (!node.ok()) {
    std::fprintf(stderr, "node: %s\n", node.status().ToString().c_str());
    return 1;
  }
  v1::WatchCallbacksRequest req;
  req.set_start_position(v1::START_POSITION_EARLIEST);
  Watcher watcher(node->stub.get(), req);

  std::atomic<int> next{0};
  std::atomic<int> ok{0};
  std::vector<std::vector<double>> post_ms(senders);
  const absl::Time start = absl::Now();
  std::vector<std::thread> threads;
  for (int s = 0; s < senders; ++s) {
    threads.emplace_back([&, s] {
      jumio::testing::HttpClient http;
      while (true) {
        const int i = next.fetch_add(1);
        if (i >= n) return;
        const int rate = absl::GetFlag(FLAGS_rate);
        if (rate > 0) {
          // Open loop: callback i is due at start + i/rate, however slow the
          // server was with the previous ones.
          const absl::Time due = start + absl::Seconds(i) / rate;
          std::this_thread::sleep_for(
              absl::ToChronoNanoseconds(due - absl::Now()));
        }
        const std::string account = absl::StrCat("acct-", i % 97);
        const absl::Time t0 = absl::Now();
        auto r = http.Send("POST",
                           absl::StrCat("http://127.0.0.1:", node->http_port,
                                        CallbackPath(account)),
                           CallbackBody(absl::StrCat("we-", i), account),
                           {{"Content-Type", "application/json"}});
        post_ms[s].push_back(absl::ToDoubleMilliseconds(absl::Now() - t0));
        if (r.status == 200) ok.fetch_add(1);
      }
    });
  }
  for (auto& t : threads) t.join();
  const absl::Duration took = absl::Now() - start;
  const bool all = jumio::testing::WaitFor(
      [&] { return watcher.count() >= static_cast<size_t>(ok.load()); },
      absl::Seconds(60));
  std::vector<double> posts;
  for (auto& v : post_ms) posts.insert(posts.end(), v.begin(), v.end());
  std::vector<double> delivery;
  const auto cbs = watcher.callbacks();
  const auto arrivals = watcher.arrival_times();
  for (size_t i = 0; i < cbs.size(); ++i) {
    const absl::Time received =
        absl::FromUnixSeconds(cbs[i].receive_time().seconds()) +
        absl::Nanoseconds(cbs[i].receive_time().nanos());
    delivery.push_back(absl::ToDoubleMilliseconds(arrivals[i] - received));
  }
  std::printf(
      "store=%s callbacks=%d senders=%d rate=%d stored_200=%d "
      "delivered=%zu%s\n"
      "  durable callbacks/s: %.0f\n"
      "  POST latency ms: p50 %.2f  p99 %.2f\n"
      "  receive->subscriber ms: p50 %.2f  p99 %.2f\n",
      store.c_str(), n, senders, absl::GetFlag(FLAGS_rate), ok.load(),
      cbs.size(), all ? "" : " (INCOMPLETE)",
      ok.load() / absl::ToDoubleSeconds(took), Percentile(posts, 0.5),
      Percentile(posts, 0.99), Percentile(delivery, 0.5),
      Percentile(delivery, 0.99));
  std::fflush(stdout);
  watcher.Cancel();
  node->proc->Stop();
  if (redis.proc) redis.proc->Stop();
  return ok.load() == n && all ? 0 : 1;
}

}  // namespace
}  // namespace jumio_gateway::callbacks::testing

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  int rc = 0;
  const std::vector<std::string> stores =
      absl::StrSplit(absl::GetFlag(FLAGS_stores), ',', absl::SkipEmpty());
  for (const std::string& store : stores) {
    rc |= jumio_gateway::callbacks::testing::Run(store);
  }
  return rc;
}
