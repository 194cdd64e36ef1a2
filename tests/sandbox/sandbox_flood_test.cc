// Idle and slow-header connections must neither cost the sandbox a thread each
// nor delay a normal request: 500 connections that send nothing and 50 that
// send their head one byte at a time stay open while ordinary requests are
// answered promptly. Loopback only, bounded in count and time (a few seconds).
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "tests/testing/loopback.h"
#include "tests/testing/proc_stats.h"

namespace jumio::sandbox::testing {
namespace {

using jumio::testing::ReadProcStats;

constexpr int kIdleConnections = 500;
constexpr int kSlowConnections = 50;
// Generous for "no thread per connection": the server's I/O and handler
// threads, the ticker, the callback sender and main.
constexpr int kMaxThreads = 32;

// A loopback TCP connection that the test writes to by hand, closed on
// destruction.
class RawConnection {
 public:
  explicit RawConnection(int port)
      : fd_(jumio::testing::ConnectLoopback(port)) {}
  ~RawConnection() {
    if (fd_ >= 0) close(fd_);
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;

  bool ok() const { return fd_ >= 0; }
  bool Send(char c) { return send(fd_, &c, 1, MSG_NOSIGNAL) == 1; }

 private:
  int fd_ = -1;
};

TEST(SandboxFloodTest, IdleAndSlowHeaderConnectionsDoNotStopRequests) {
  Sandbox sb({"--rate_limits=false"});
  ASSERT_TRUE(sb.ok()) << sb.error();
  const std::string url = sb.Url("emea-1", "status", "/");
  const Headers ua = {{"User-Agent", "flood-test"}};
  ASSERT_EQ(sb.http().Get(url, ua).status, 200);
  const int baseline_fds = ReadProcStats(sb.pid()).open_fds;
  const int idle_threads = ReadProcStats(sb.pid()).threads;

  std::vector<std::unique_ptr<RawConnection>> idle;
  for (int i = 0; i < kIdleConnections; ++i) {
    idle.push_back(std::make_unique<RawConnection>(sb.port()));
    ASSERT_TRUE(idle.back()->ok()) << "idle connection " << i;
  }
  std::vector<std::unique_ptr<RawConnection>> slow;
  for (int i = 0; i < kSlowConnections; ++i) {
    slow.push_back(std::make_unique<RawConnection>(sb.port()));
    ASSERT_TRUE(slow.back()->ok()) << "slow connection " << i;
  }
  // The sandbox has accepted them all (a descriptor each), not left them in
  // the kernel's accept queue.
  ASSERT_TRUE(jumio::testing::WaitFor(
      [&] {
        return ReadProcStats(sb.pid()).open_fds >=
               baseline_fds + kIdleConnections + kSlowConnections;
      },
      absl::Seconds(5)))
      << ReadProcStats(sb.pid()).open_fds << " descriptors, " << baseline_fds
      << " before";

  // Drip the slow heads one byte per connection every 100 ms for ~3 s, and
  // ask for the status in between on a fresh client each time.
  const std::string head =
      "GET /emea-1/status/ HTTP/1.1\r\nHost: 127.0.0.1\r\nUser-Agent: slow\r\n"
      "X-Padding: " +
      std::string(200, 'p');
  absl::Duration worst = absl::ZeroDuration();
  int answered = 0;
  int busy_threads = 0;
  for (size_t step = 0; step < 30; ++step) {
    for (auto& c : slow) c->Send(head[step % head.size()]);
    if (step % 5 == 4) {
      jumio::testing::HttpClient fresh(absl::Seconds(5));
      const absl::Time start = absl::Now();
      const auto r = fresh.Get(url, ua);
      const absl::Duration took = absl::Now() - start;
      worst = std::max(worst, took);
      EXPECT_EQ(r.status, 200) << r.error;
      if (r.status == 200) ++answered;
      busy_threads = std::max(busy_threads, ReadProcStats(sb.pid()).threads);
    }
    absl::SleepFor(absl::Milliseconds(100));
  }
  EXPECT_EQ(answered, 6);
  EXPECT_LT(worst, absl::Seconds(1));
  // No thread per connection.
  EXPECT_LE(busy_threads, kMaxThreads)
      << "idle: " << idle_threads << " threads";
  std::cout << "sandbox threads idle " << idle_threads << ", with "
            << kIdleConnections + kSlowConnections << " connections "
            << busy_threads << "; RSS " << ReadProcStats(sb.pid()).rss_kb
            << " kB; slowest request " << worst << "\n";
  // The connections are still held: nothing was refused or reset on the way.
  EXPECT_GE(ReadProcStats(sb.pid()).open_fds,
            baseline_fds + kIdleConnections + kSlowConnections);
}

}  // namespace
}  // namespace jumio::sandbox::testing
