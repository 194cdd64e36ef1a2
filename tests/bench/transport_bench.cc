// Measures CurlMultiTransport against a local cpp-httplib upstream.
//
//   bazel run -c opt //tests/bench:transport_bench -- --concurrency=64
//   bazel run -c opt //tests/bench:transport_bench -- --mode=slow
//
// The upstream runs in a forked child process, so that the thread count and
// RSS printed for this process are the transport's alone (main thread + I/O
// threads); the child's own thread count is printed beside it.
//
// throughput: --requests transfers, --concurrency at a time (closed loop: each
//   completion starts the next), the upstream answering after --latency_ms.
// slow: --concurrency transfers in flight at once (default 2000) against an
//   upstream holding every response --latency_ms (default 1000), for
//   --requests in total.
// Every run is bounded by --time_limit_s; transfers still running then are
// cancelled and counted as unfinished.
#include <dirent.h>
#include <fcntl.h>
#include <httplib.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "server/jumio/curl_transport.h"

ABSL_FLAG(std::string, mode, "throughput", "throughput or slow");
ABSL_FLAG(int, requests, -1,
          "transfers in total (default 20000 throughput, 2x concurrency slow)");
ABSL_FLAG(int, concurrency, -1,
          "transfers in flight (default 64 throughput, 2000 slow)");
ABSL_FLAG(int, latency_ms, -1,
          "upstream think time per response (default 0 throughput, 1000 "
          "slow)");
ABSL_FLAG(int, body_bytes, 256, "response body size");
ABSL_FLAG(int, io_threads, 2, "transport I/O threads");
ABSL_FLAG(int, max_connections_per_host, -1,
          "per I/O thread; default 32 throughput, unlimited (0) slow");
ABSL_FLAG(int, server_threads, -1,
          "upstream worker threads (default concurrency + 16, at least 64)");
ABSL_FLAG(int, time_limit_s, 120, "bound on the measured run");

namespace jumio_gateway::jumio {
namespace {

int CountThreads(const std::string& pid) {
  DIR* dir = opendir(absl::StrCat("/proc/", pid, "/task").c_str());
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

// "VmRSS" or "VmHWM" from /proc/self/status, in MiB.
double MemoryMiB(const std::string& field) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(field + ":", 0) == 0) {
      int64_t kib = 0;
      std::string digits;
      for (char c : line) {
        if (c >= '0' && c <= '9') digits += c;
      }
      if (absl::SimpleAtoi(digits, &kib)) return kib / 1024.0;
    }
  }
  return -1;
}

// Child process: serve until killed. Reports its port through `port_fd`.
[[noreturn]] void RunUpstream(int port_fd, int threads, int latency_ms,
                              int body_bytes) {
  // Never outlive the benchmark, whatever happens to it.
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  httplib::Server server;
  server.new_task_queue = [threads] {
    return new httplib::ThreadPool(threads);
  };
  server.set_keep_alive_max_count(1000000);
  server.set_tcp_nodelay(true);
  absl::Mutex mu;
  std::set<int> ports;
  const std::string body(body_bytes, 'x');
  server.Get("/work", [&](const httplib::Request& req, httplib::Response& res) {
    {
      absl::MutexLock lock(&mu);
      ports.insert(req.remote_port);
    }
    // Simulated upstream think time, the point of the slow mode.
    if (latency_ms > 0) {
      std::this_thread::sleep_for(std::chrono::milliseconds(latency_ms));
    }
    res.set_content(body, "application/json");
  });
  server.Get("/stats", [&](const httplib::Request&, httplib::Response& res) {
    absl::MutexLock lock(&mu);
    res.set_content(absl::StrCat(ports.size()), "text/plain");
  });
  int listen_fd = -1;
  server.set_socket_options([&listen_fd](int fd) {
    int yes = 1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
    listen_fd = fd;
  });
  const int port = server.bind_to_any_port("127.0.0.1");
  // httplib listens with a backlog of 5: a burst of connects overflows it
  // and the kernel drops SYNs, which costs the client 1 s, 3 s, 7 s of
  // retransmission and would be measured as transport latency. Linux takes a
  // second listen() on the socket as a new backlog.
  if (listen_fd >= 0) listen(listen_fd, 4096);
  if (write(port_fd, &port, sizeof(port)) != sizeof(port)) _exit(1);
  close(port_fd);
  server.listen_after_bind();
  _exit(0);
}

struct Run {
  CurlMultiTransport* transport = nullptr;
  std::string url;
  int total = 0;

  absl::Mutex mu;
  int started ABSL_GUARDED_BY(mu) = 0;
  int finished ABSL_GUARDED_BY(mu) = 0;
  int failed ABSL_GUARDED_BY(mu) = 0;
  bool stop ABSL_GUARDED_BY(mu) = false;
  std::string first_error ABSL_GUARDED_BY(mu);
  std::vector<double> latencies_ms ABSL_GUARDED_BY(mu);

  // Starts the next transfer, if any is left; called again by each callback.
  void Launch() {
    {
      absl::MutexLock lock(&mu);
      if (stop || started >= total) return;
      ++started;
    }
    HttpRequest request;
    request.method = "GET";
    request.url = url;
    const absl::Time start = absl::Now();
    transport->Send(
        std::move(request), [this, start](absl::StatusOr<HttpResponse> result) {
          const double ms = absl::ToDoubleMilliseconds(absl::Now() - start);
          {
            absl::MutexLock lock(&mu);
            ++finished;
            if (result.ok() && result->status == 200) {
              latencies_ms.push_back(ms);
            } else {
              ++failed;
              if (first_error.empty()) {
                first_error = result.ok()
                                  ? absl::StrCat("HTTP ", result->status)
                                  : result.status().ToString();
              }
            }
          }
          Launch();
        });
  }
};

double Percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const size_t index =
      std::min(values.size() - 1, static_cast<size_t>(p * values.size()));
  std::nth_element(values.begin(), values.begin() + index, values.end());
  return values[index];
}

int Main() {
  const bool slow = absl::GetFlag(FLAGS_mode) == "slow";
  if (!slow && absl::GetFlag(FLAGS_mode) != "throughput") {
    std::fprintf(stderr, "--mode must be throughput or slow\n");
    return 2;
  }
  auto pick = [](int flag, int fallback) {
    return flag >= 0 ? flag : fallback;
  };
  const int concurrency =
      std::max(1, pick(absl::GetFlag(FLAGS_concurrency), slow ? 2000 : 64));
  const int requests = std::max(
      1, pick(absl::GetFlag(FLAGS_requests), slow ? 2 * concurrency : 20000));
  const int latency_ms = pick(absl::GetFlag(FLAGS_latency_ms), slow ? 1000 : 0);
  const int server_threads =
      pick(absl::GetFlag(FLAGS_server_threads), std::max(64, concurrency + 16));
  const int max_per_host =
      pick(absl::GetFlag(FLAGS_max_connections_per_host), slow ? 0 : 32);

  // Thousands of sockets on both ends.
  rlimit limit;
  if (getrlimit(RLIMIT_NOFILE, &limit) == 0) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }

  // Fork before this process starts any thread.
  int pipe_fds[2];
  if (pipe(pipe_fds) != 0) return 1;
  const pid_t child = fork();
  if (child < 0) return 1;
  if (child == 0) {
    close(pipe_fds[0]);
    RunUpstream(pipe_fds[1], server_threads, latency_ms,
                absl::GetFlag(FLAGS_body_bytes));
  }
  close(pipe_fds[1]);
  int port = 0;
  pollfd wait_port = {pipe_fds[0], POLLIN, 0};
  if (poll(&wait_port, 1, 20000) != 1 ||
      read(pipe_fds[0], &port, sizeof(port)) != sizeof(port) || port <= 0) {
    std::fprintf(stderr, "upstream did not start\n");
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    return 1;
  }
  close(pipe_fds[0]);
  const std::string child_pid = absl::StrCat(child);

  CurlMultiTransport::Options options;
  options.io_threads = absl::GetFlag(FLAGS_io_threads);
  options.max_connections_per_host = static_cast<size_t>(max_per_host);
  auto transport = CurlMultiTransport::Create(options);
  if (!transport.ok()) {
    std::fprintf(stderr, "%s\n", transport.status().ToString().c_str());
    kill(child, SIGKILL);
    waitpid(child, nullptr, 0);
    return 1;
  }

  Run run;
  run.transport = transport->get();
  run.url = absl::StrCat("http://127.0.0.1:", port, "/work");
  run.total = requests;
  const int threads_idle = CountThreads("self");
  const double rss_idle = MemoryMiB("VmRSS");

  const absl::Time start = absl::Now();
  const absl::Time give_up =
      start + absl::Seconds(absl::GetFlag(FLAGS_time_limit_s));
  for (int i = 0; i < concurrency; ++i) run.Launch();
  int peak_threads = CountThreads("self");
  int peak_upstream_threads = CountThreads(child_pid);
  size_t peak_in_flight = 0;
  double elapsed_s = 0;
  {
    absl::MutexLock lock(&run.mu);
    const absl::Condition all_done(
        +[](Run* r)
             ABSL_NO_THREAD_SAFETY_ANALYSIS { return r->finished >= r->total; },
        &run);
    while (!all_done.Eval() && absl::Now() < give_up) {
      // Wakes on completion or every 20 ms to sample the process.
      run.mu.AwaitWithTimeout(all_done, absl::Milliseconds(20));
      peak_threads = std::max(peak_threads, CountThreads("self"));
      peak_upstream_threads =
          std::max(peak_upstream_threads, CountThreads(child_pid));
      peak_in_flight = std::max(peak_in_flight, (*transport)->InFlight());
    }
    run.stop = true;
    elapsed_s = absl::ToDoubleSeconds(absl::Now() - start);
  }
  const double rss_busy = MemoryMiB("VmRSS");
  const double rss_peak = MemoryMiB("VmHWM");

  // Connections the upstream saw, asked through the transport itself.
  std::string connections = "?";
  absl::Notification got;
  {
    HttpRequest stats;
    stats.method = "GET";
    stats.url = absl::StrCat("http://127.0.0.1:", port, "/stats");
    stats.deadline = absl::Now() + absl::Seconds(10);
    (*transport)
        ->Send(std::move(stats), [&](absl::StatusOr<HttpResponse> result) {
          if (result.ok()) connections = result->body;
          got.Notify();
        });
    got.WaitForNotificationWithTimeout(absl::Seconds(15));
  }
  transport->reset();  // cancels whatever the time limit left running

  absl::MutexLock lock(&run.mu);
  std::vector<double>& latencies = run.latencies_ms;
  const int ok = static_cast<int>(latencies.size());
  std::printf(
      "mode=%s requests=%d concurrency=%d upstream_latency_ms=%d "
      "io_threads=%d max_connections_per_host=%d\n",
      slow ? "slow" : "throughput", requests, concurrency, latency_ms,
      options.io_threads, max_per_host);
  std::printf("completed=%d ok=%d failed=%d unfinished=%d in %.2f s\n",
              run.finished, ok, run.failed, requests - run.finished, elapsed_s);
  if (!run.first_error.empty()) {
    std::printf("first error: %s\n", run.first_error.c_str());
  }
  std::printf("throughput: %.0f requests/s\n",
              elapsed_s > 0 ? ok / elapsed_s : 0);
  std::printf("latency ms: p50=%.2f p99=%.2f max=%.2f\n",
              Percentile(latencies, 0.50), Percentile(latencies, 0.99),
              latencies.empty()
                  ? 0
                  : *std::max_element(latencies.begin(), latencies.end()));
  std::printf("peak transfers in flight: %zu\n", peak_in_flight);
  std::printf("bench process threads: idle=%d peak=%d (main + %d I/O)\n",
              threads_idle, peak_threads, options.io_threads);
  std::printf("upstream process threads (separate process): peak=%d\n",
              peak_upstream_threads);
  std::printf("upstream connections seen: %s\n", connections.c_str());
  std::printf("bench process RSS MiB: idle=%.1f end=%.1f peak=%.1f\n", rss_idle,
              rss_busy, rss_peak);

  kill(child, SIGTERM);
  waitpid(child, nullptr, 0);
  return run.failed == 0 && run.finished == requests ? 0 : 1;
}

}  // namespace
}  // namespace jumio_gateway::jumio

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return jumio_gateway::jumio::Main();
}
