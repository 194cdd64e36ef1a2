// FLOOD TEST (issue 9, finding 2): a real jumio-gateway under 2,000 idle plus
// 200 slowloris connections on the callback port AND on the admin port for
// 30 s, from ten 127.0.0.x addresses (220 per address and port, below the
// per-source cap, so the caps are not what saves the day), while 1,000
// genuine callbacks are posted from 127.0.0.1. Each must be answered 200
// "stored" within 1 s and be readable back, every /metrics scrape must be
// answered, gRPC must keep answering, and the cut connections must be counted.
// The speed targets (every scrape within 100 ms, gRPC health p99 within 2x of
// before the flood) are measured and printed with their verdict, not
// asserted: on a shared 2-core machine a timed assertion measures the
// neighbours as much as the gateway. Threads and RSS are printed before,
// during and after.
//
// The attackers live on one epoll thread with non-blocking sockets; when the
// gateway cuts one (head deadline), it reconnects, so the pressure holds.
// Everything is bounded in count and time.
#include <arpa/inet.h>
#include <grpcpp/grpcpp.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "gtest/gtest.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "server/callbacks/token.h"
#include "tests/integration/callbacks/node_fixture.h"
#include "tests/testing/http_client.h"
#include "tests/testing/proc_stats.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks::testing {
namespace {

using jumio::testing::HttpClient;
using jumio::testing::MakeTempDir;
using jumio::testing::ProcStats;
using jumio::testing::ReadProcStats;
using jumio::testing::Subprocess;

constexpr int kIdlePerPort = 2000;
constexpr int kSlowPerPort = 200;
constexpr int kSources = 10;  // 127.0.0.2 .. 127.0.0.11
constexpr absl::Duration kFlood = absl::Seconds(30);
constexpr int kCallbacks = 1000;
// gRPC health checks: one every kProbeEvery, for kProbeBaseline before the
// flood and for the whole flood.
constexpr absl::Duration kProbeEvery = absl::Milliseconds(20);
constexpr absl::Duration kProbeBaseline = absl::Seconds(5);
constexpr absl::Duration kCallbackEvery = absl::Milliseconds(25);
constexpr int kBaselineCallbacks = 200;  // 5 s at kCallbackEvery
constexpr int kMaxReconnects = 40000;

int ReadPortFile(const std::string& path) {
  std::ifstream in(path);
  int port = 0;
  std::string line;
  if (std::getline(in, line)) {
    absl::SimpleAtoi(absl::StripAsciiWhitespace(line), &port);
  }
  return port;
}

absl::Duration Percentile(std::vector<absl::Duration> v, double p) {
  if (v.empty()) return absl::ZeroDuration();
  std::sort(v.begin(), v.end());
  size_t i = static_cast<size_t>(p * static_cast<double>(v.size() - 1) + 0.5);
  return v[std::min(i, v.size() - 1)];
}

// Idle and slowloris connections on one epoll thread.
class Attackers {
 public:
  Attackers(std::vector<int> ports) : ports_(std::move(ports)) {
    epoll_ = epoll_create1(0);
  }
  ~Attackers() {
    Stop();
    for (auto& [fd, c] : conns_) close(fd);
    close(epoll_);
  }

  void Start() {
    for (int port : ports_) {
      for (int i = 0; i < kIdlePerPort + kSlowPerPort; ++i) {
        Open(port, i % kSources, i >= kIdlePerPort);
      }
    }
    thread_ = std::thread([this] {
      // In production the attacker's CPU is on other machines; here it shares
      // the gateway's two cores. At the lowest priority it still gets every
      // idle cycle (the flood holds, see open_now), but its own connect and
      // close work does not count as the gateway's latency.
      setpriority(PRIO_PROCESS, static_cast<id_t>(syscall(SYS_gettid)), 19);
      Loop();
    });
  }
  void Stop() {
    stop_.store(true);
    if (thread_.joinable()) thread_.join();
  }
  int open_now() const { return open_.load(); }
  int reconnects() const { return reconnects_.load(); }
  int connect_failures() const { return connect_failures_.load(); }

 private:
  struct Conn {
    int port;
    int source;
    bool slow;
    size_t sent = 0;
  };

  void Open(int port, int source, bool slow) {
    const int fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
    if (fd < 0) {
      connect_failures_.fetch_add(1);
      return;
    }
    sockaddr_in local{};
    local.sin_family = AF_INET;
    local.sin_addr.s_addr = htonl(INADDR_LOOPBACK + 1 + source);
    bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local));
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 &&
        errno != EINPROGRESS) {
      connect_failures_.fetch_add(1);
      close(fd);
      return;
    }
    epoll_event ev{};
    ev.events = EPOLLIN | EPOLLRDHUP;
    ev.data.fd = fd;
    epoll_ctl(epoll_, EPOLL_CTL_ADD, fd, &ev);
    conns_[fd] = Conn{port, source, slow};
    open_.fetch_add(1);
  }

  void Loop() {
    // A slowloris head that never ends.
    const std::string head =
        "POST /callbacks/v1 HTTP/1.1\r\nHost: x\r\nX-Slow: " +
        std::string(4096, 'a');
    absl::Time next_drip = absl::Now();
    std::vector<epoll_event> events(512);
    while (!stop_.load()) {
      const int n = epoll_wait(epoll_, events.data(),
                               static_cast<int>(events.size()), 100);
      for (int i = 0; i < n; ++i) {
        const int fd = events[static_cast<size_t>(i)].data.fd;
        char buf[1024];
        const ssize_t r = recv(fd, buf, sizeof(buf), 0);
        if (r > 0) continue;  // e.g. a 408: the close follows
        if (r < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) continue;
        // Closed by the gateway: reconnect (bounded).
        Conn c = conns_[fd];
        conns_.erase(fd);
        epoll_ctl(epoll_, EPOLL_CTL_DEL, fd, nullptr);
        close(fd);
        open_.fetch_sub(1);
        if (reconnects_.fetch_add(1) < kMaxReconnects) {
          Open(c.port, c.source, c.slow);
        }
      }
      if (absl::Now() >= next_drip) {
        // One header byte per second per slowloris connection.
        next_drip += absl::Seconds(1);
        for (auto& [fd, c] : conns_) {
          if (!c.slow || c.sent >= head.size()) continue;
          if (send(fd, &head[c.sent], 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
            ++c.sent;
          }
        }
      }
    }
  }

  const std::vector<int> ports_;
  int epoll_ = -1;
  std::unordered_map<int, Conn> conns_;  // only the loop thread after Start
  std::thread thread_;
  std::atomic<bool> stop_{false};
  std::atomic<int> open_{0};
  std::atomic<int> reconnects_{0};
  std::atomic<int> connect_failures_{0};
};

class FloodTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Both sides need ~4,400 descriptors; raise the soft limit (the gateway
    // raises its own).
    rlimit limit{};
    getrlimit(RLIMIT_NOFILE, &limit);
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
    getrlimit(RLIMIT_NOFILE, &limit);
    std::printf("test soft RLIMIT_NOFILE: %llu\n",
                static_cast<unsigned long long>(limit.rlim_cur));
    ASSERT_GE(limit.rlim_cur, 10000u) << "ulimit -n too low for the flood";

    dir_ = MakeTempDir();
    Subprocess::Options options;
    options.log_file = dir_ + "/gateway.log";
    auto gateway = Subprocess::Start(
        jumio::testing::RunfilePath("server/jumio-gateway"),
        {"--grpc_listen=127.0.0.1:0", "--admin_listen=127.0.0.1:0",
         "--admin_port_file=" + dir_ + "/admin_port",
         "--callback_listen_host=127.0.0.1", "--callback_listen_port=0",
         "--callback_port_file=" + dir_ + "/callback_port",
         "--callback_public_base_url=http://127.0.0.1",
         "--callback_hmac_key_files=" + WriteKeyFile(dir_),
         "--callback_sqlite_path=" + dir_ + "/callbacks.db",
         "--callback_allowed_cidrs=127.0.0.1/32",
         "--callback_resolve_jumio_hosts=false", "--shutdown_grace=2s"},
        options);
    ASSERT_TRUE(gateway.ok()) << gateway.status();
    gateway_ = *std::move(gateway);
    admin_port_ = ReadPortFile(dir_ + "/admin_port");
    callback_port_ = ReadPortFile(dir_ + "/callback_port");
    ASSERT_GT(admin_port_, 0);
    ASSERT_GT(callback_port_, 0);
    channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", gateway_->port()),
                                   grpc::InsecureChannelCredentials());
  }

  // Latencies of `n` health checks.
  std::vector<absl::Duration> HealthChecks(int n) {
    auto stub = ::grpc::health::v1::Health::NewStub(channel_);
    std::vector<absl::Duration> out;
    for (int i = 0; i < n; ++i) {
      grpc::ClientContext ctx;
      ctx.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(5));
      ::grpc::health::v1::HealthCheckRequest req;
      ::grpc::health::v1::HealthCheckResponse resp;
      const absl::Time start = absl::Now();
      grpc::Status s = stub->Check(&ctx, req, &resp);
      out.push_back(absl::Now() - start);
      EXPECT_TRUE(s.ok()) << s.error_message();
    }
    return out;
  }

  // Posts `count` genuine callbacks (ids tagged `tag`), one every 25 ms;
  // returns how many were not answered 200 "stored".
  int PostCallbacks(const std::string& tag, int count,
                    std::vector<absl::Duration>* times) {
    int not_stored = 0;
    HttpClient http(absl::Seconds(5));
    const absl::Time start = absl::Now();
    for (int i = 0; i < count; ++i) {
      const absl::Time due = start + i * kCallbackEvery;
      const absl::Duration wait = due - absl::Now();
      if (wait > absl::ZeroDuration()) {
        poll(nullptr, 0, static_cast<int>(absl::ToInt64Milliseconds(wait)));
      }
      const std::string we = absl::StrCat("we-", tag, "-", i);
      const std::string account = absl::StrCat("acct-", tag, "-", i % 37);
      const absl::Time t0 = absl::Now();
      auto r = http.Send("POST",
                         absl::StrCat("http://127.0.0.1:", callback_port_,
                                      CallbackPath(account)),
                         CallbackBody(we, account),
                         {{"Content-Type", "application/json"}});
      times->push_back(absl::Now() - t0);
      if (r.status != 200 || !absl::StrContains(r.body, "stored")) {
        ++not_stored;
        if (not_stored < 5) {
          ADD_FAILURE() << "callback " << we << ": " << r.status << " "
                        << r.body << " " << r.error;
        }
      }
    }
    return not_stored;
  }

  // Health checks every `every` until `until`: spread over a whole window,
  // so that the p99 speaks of the window and not of one instant in it.
  std::vector<absl::Duration> PacedHealthChecks(absl::Time until,
                                                absl::Duration every) {
    std::vector<absl::Duration> out;
    absl::Time next = absl::Now();
    while (absl::Now() < until) {
      std::vector<absl::Duration> one = HealthChecks(1);
      out.insert(out.end(), one.begin(), one.end());
      next += every;
      const absl::Duration wait = next - absl::Now();
      if (wait > absl::ZeroDuration()) {
        poll(nullptr, 0, static_cast<int>(absl::ToInt64Milliseconds(wait)));
      }
    }
    return out;
  }

  std::string dir_;
  std::unique_ptr<Subprocess> gateway_;
  int admin_port_ = 0;
  int callback_port_ = 0;
  std::shared_ptr<grpc::Channel> channel_;
};

TEST_F(FloodTest, CallbacksAndScrapesGetThroughIdleAndSlowlorisFloods) {
  const pid_t pid = gateway_->pid();
  // Warm up, then the baseline: the same probes beside the same genuine
  // callback traffic, without the flood, so that the comparison isolates it.
  HealthChecks(50);
  const absl::Duration cpu_at_baseline = ReadProcStats(pid).cpu;
  const absl::Time baseline_start = absl::Now();
  std::vector<absl::Duration> baseline_probes;
  std::thread baseline_prober([&] {
    baseline_probes =
        PacedHealthChecks(absl::Now() + kProbeBaseline, kProbeEvery);
  });
  std::vector<absl::Duration> baseline_callbacks;
  EXPECT_EQ(PostCallbacks("base", kBaselineCallbacks, &baseline_callbacks), 0);
  baseline_prober.join();
  const absl::Duration p99_before = Percentile(baseline_probes, 0.99);
  const double baseline_cores = absl::FDivDuration(
      ReadProcStats(pid).cpu - cpu_at_baseline, absl::Now() - baseline_start);
  const ProcStats idle = ReadProcStats(pid);
  std::printf("gateway idle: threads=%d rss=%lld kB; gRPC health p99=%s\n",
              idle.threads, static_cast<long long>(idle.rss_kb),
              absl::FormatDuration(p99_before).c_str());

  Attackers attackers({callback_port_, admin_port_});
  const absl::Duration cpu_at_flood = ReadProcStats(pid).cpu;
  attackers.Start();
  const absl::Time flood_start = absl::Now();
  const absl::Time flood_end = flood_start + kFlood;
  // Let the gateway take every attacker in before measuring.
  const int want_open = 2 * (kIdlePerPort + kSlowPerPort);
  EXPECT_TRUE(jumio::testing::WaitFor(
      [&] { return attackers.open_now() >= want_open; }, absl::Seconds(10)));

  // /metrics every 200 ms for the whole flood.
  std::vector<absl::Duration> scrape_times;
  std::vector<std::string> slow_scrapes;
  std::atomic<int> scrape_failures{0};
  std::thread scraper([&] {
    HttpClient http(absl::Seconds(5));
    const std::string url =
        absl::StrCat("http://127.0.0.1:", admin_port_, "/metrics");
    absl::Time next = absl::Now();
    while (absl::Now() < flood_end) {
      const absl::Time start = absl::Now();
      auto r = http.Get(url);
      const absl::Duration took = absl::Now() - start;
      scrape_times.push_back(took);
      if (r.status != 200) scrape_failures.fetch_add(1);
      if (took > absl::Milliseconds(100)) {
        // Where the time went: a new connection that waited on the accept
        // queue, or the server.
        slow_scrapes.push_back(absl::StrCat(
            "at +", absl::FormatDuration(start - flood_start), " took ",
            absl::FormatDuration(took), " (new connections ", r.new_connections,
            ", connect ", absl::FormatDuration(r.connect_time), ")"));
      }
      next += absl::Milliseconds(200);
      const absl::Duration wait = next - absl::Now();
      if (wait > absl::ZeroDuration()) {
        poll(nullptr, 0, static_cast<int>(absl::ToInt64Milliseconds(wait)));
      }
    }
  });

  // gRPC health checks for the whole flood, beside the callbacks.
  std::vector<absl::Duration> probe_times;
  std::thread prober(
      [&] { probe_times = PacedHealthChecks(flood_end, kProbeEvery); });

  // 1,000 genuine callbacks, paced over ~25 s (the pacing is the load
  // shape, not a synchronisation).
  std::vector<absl::Duration> callback_times;
  const int not_stored = PostCallbacks("flood", kCallbacks, &callback_times);
  const ProcStats flooded = ReadProcStats(pid);
  const int open_during = attackers.open_now();
  const absl::Duration flood_cpu = ReadProcStats(pid).cpu - cpu_at_flood;
  const absl::Duration flood_wall = absl::Now() - flood_start;
  scraper.join();
  prober.join();
  const absl::Duration p99_during = Percentile(probe_times, 0.99);
  attackers.Stop();

  const absl::Duration cb_p50 = Percentile(callback_times, 0.50);
  const absl::Duration cb_p99 = Percentile(callback_times, 0.99);
  const absl::Duration cb_max = Percentile(callback_times, 1.0);
  const absl::Duration scrape_max = Percentile(scrape_times, 1.0);
  std::printf(
      "flood: attacker connections open=%d reconnects=%d connect_failures=%d "
      "over %s\n",
      open_during, attackers.reconnects(), attackers.connect_failures(),
      absl::FormatDuration(absl::Now() - flood_start).c_str());
  // The gateway's own CPU: what the flood costs it, whatever the neighbours
  // (the attackers share the two cores here) do to the latencies.
  std::printf(
      "gateway CPU: baseline %.3f cores; flood %.3f cores, %s per 1,000 "
      "reconnects\n",
      baseline_cores, absl::FDivDuration(flood_cpu, flood_wall),
      absl::FormatDuration(flood_cpu * 1000 /
                           std::max(1, attackers.reconnects()))
          .c_str());
  std::printf(
      "gateway flooded: threads=%d rss=%lld kB; gRPC health p99=%s "
      "(%zu checks)\n",
      flooded.threads, static_cast<long long>(flooded.rss_kb),
      absl::FormatDuration(p99_during).c_str(), probe_times.size());
  std::printf("callbacks: n=%zu p50=%s p99=%s max=%s not_stored=%d\n",
              callback_times.size(), absl::FormatDuration(cb_p50).c_str(),
              absl::FormatDuration(cb_p99).c_str(),
              absl::FormatDuration(cb_max).c_str(), not_stored);
  std::printf("/metrics: samples=%zu max=%s p50=%s failures=%d\n",
              scrape_times.size(), absl::FormatDuration(scrape_max).c_str(),
              absl::FormatDuration(Percentile(scrape_times, 0.5)).c_str(),
              scrape_failures.load());

  EXPECT_EQ(not_stored, 0);
  EXPECT_LE(cb_max, absl::Seconds(1));
  EXPECT_EQ(scrape_failures.load(), 0);
  EXPECT_GE(scrape_times.size(), 100u);
  for (const std::string& slow : slow_scrapes) {
    std::printf("slow /metrics scrape: %s\n", slow.c_str());
  }
  std::printf("target /metrics max <= 100ms: %s\n",
              scrape_max <= absl::Milliseconds(100) ? "met" : "NOT MET");
  std::printf("target gRPC health p99 within 2x (%s -> %s, %.2fx): %s\n",
              absl::FormatDuration(p99_before).c_str(),
              absl::FormatDuration(p99_during).c_str(),
              absl::FDivDuration(p99_during, p99_before),
              p99_during <= 2 * p99_before ? "met" : "NOT MET");
  EXPECT_GE(open_during, want_open / 2) << "the flood did not hold";

  // The cut connections are visible to the operator.
  {
    HttpClient http(absl::Seconds(5));
    const std::string text =
        http.Get(absl::StrCat("http://127.0.0.1:", admin_port_, "/metrics"))
            .body;
    for (const char* server : {"callbacks", "admin"}) {
      const std::string prefix =
          absl::StrCat("jumio_gateway_http_requests_cut_total{server=\"",
                       server, "\",reason=\"idle_timeout\"} ");
      const size_t at = text.find(prefix);
      ASSERT_NE(at, std::string::npos) << prefix;
      double cut = 0;
      ASSERT_TRUE(absl::SimpleAtod(
          text.substr(at + prefix.size(),
                      text.find('\n', at) - at - prefix.size()),
          &cut));
      EXPECT_GE(cut, kIdlePerPort) << server;
    }
  }

  // Every callback is readable back.
  auto stub = v1::CallbackFeedService::NewStub(channel_);
  std::set<std::string> seen;
  std::string token;
  for (int page = 0; page < 100; ++page) {
    grpc::ClientContext ctx;
    ctx.set_deadline(std::chrono::system_clock::now() +
                     std::chrono::seconds(10));
    v1::ListCallbacksRequest req;
    req.set_page_size(1000);
    req.set_page_token(token);
    v1::ListCallbacksResponse resp;
    grpc::Status s = stub->ListCallbacks(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const auto& cb : resp.callbacks()) {
      seen.insert(cb.workflow_execution().id());
    }
    token = resp.next_page_token();
    if (token.empty()) break;
  }
  EXPECT_EQ(seen.size(), static_cast<size_t>(kBaselineCallbacks + kCallbacks));

  EXPECT_TRUE(jumio::testing::WaitFor(
      [&] { return ReadProcStats(pid).threads <= flooded.threads; },
      absl::Seconds(5)));
  const ProcStats after = ReadProcStats(pid);
  std::printf("gateway after: threads=%d rss=%lld kB\n", after.threads,
              static_cast<long long>(after.rss_kb));
  EXPECT_TRUE(gateway_->Running());
}

}  // namespace
}  // namespace jumio_gateway::callbacks::testing
