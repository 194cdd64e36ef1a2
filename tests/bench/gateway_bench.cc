// The side-by-side benchmark of issue 16: what the gateway adds to a call.
//
//   bazel build -c opt //tests/bench:gateway_bench
//   bazel-bin/tests/bench/gateway_bench           # the issue's steps
//   bazel-bin/tests/bench/gateway_bench --warmup_s=1 --window_s=2
//       --rates=500 --slow_in_flight=500         # (one line) a smoke run
//
// Starts the real jumio-sandbox and jumio-gateway (from this binary's
// runfiles), creates one account with its workflow execution through the
// gateway, then per step runs two paths one after the other at the same
// offered rate:
//   A  libcurl (multi handle, keep-alive, the gateway's HTTP options) straight
//      to the sandbox's REST status endpoint with a bearer token;
//   B  an async gRPC client calling GetWorkflowExecutionStatus on the gateway,
//      which makes the same REST call;
//   C  (--grpc_floor) the same client calling grpc.health.v1.Health/Check on
//      the gateway: its gRPC round trip with no upstream, which tells the
//      gRPC stack's share of B - A from the share of the gateway's own work;
//   D, E  (--bare_floor) the same Health/Check client against
//      bare_health_server, a gRPC server with nothing of the gateway, on the
//      callback API (D, the gateway's) and the async API with one thread (E):
//      what gRPC alone costs per call on this machine.
// Every path also prints the bench process's own CPU per call: for A that is
// what libcurl alone spends on the request, the floor of the gateway's
// upstream leg.
// Each step starts a new gateway (--fresh_gateway), so that RSS and threads
// are that step's and not the previous step's.
// The load is open loop: every send time is fixed in advance (start + i /
// rate) and a call's latency runs from its scheduled send time, so queueing in
// the client or the system under test shows up in the percentiles instead of
// slowing the offered load (coordinated omission). Each path sends a warm-up
// and then a measured window; only calls scheduled in the window are counted.
// The gateway's CPU is read from /proc and its own view of the time spent from
// /metrics over the window.
//
// The concurrency step (--slow_in_flight calls at once against a sandbox that
// holds every status answer --slow_latency_ms) runs path B only: it measures
// what the gateway holds per call in flight, which path A does not involve.
// Every loop is bounded in count and in time; only the two children started
// here are ever signalled.
#include <curl/curl.h>
#include <dirent.h>
#include <grpcpp/grpcpp.h>
#include <sched.h>
#include <sys/timerfd.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/escaping.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "jumio/gateway/v1/workflow_execution.grpc.pb.h"
#include "rapidjson/document.h"
#include "tests/testing/http_client.h"
#include "tests/testing/proc_stats.h"
#include "tests/testing/subprocess.h"

ABSL_FLAG(std::vector<std::string>, rates,
          std::vector<std::string>({"500", "1000", "2000"}),
          "offered requests/s of the 0 ms upstream steps; empty skips them");
ABSL_FLAG(double, warmup_s, 5, "warm-up per path and step, seconds");
ABSL_FLAG(double, window_s, 20, "measured window per path and step, seconds");
ABSL_FLAG(int, slow_in_flight, 10000,
          "calls sent at once in the concurrency step; 0 skips it");
ABSL_FLAG(int, slow_latency_ms, 300, "upstream delay of the concurrency step");
ABSL_FLAG(bool, slow_warmup, false,
          "the concurrency step sends an unmeasured batch first and measures "
          "the second, once the first has completed");
ABSL_FLAG(int, channels, 4, "gRPC channels (connections) of paths B and C");
ABSL_FLAG(int, curl_max_connections, 64,
          "path A's keep-alive connections to the sandbox (the gateway's "
          "transport used 64 before --upstream_max_connections_per_host)");
ABSL_FLAG(int, max_in_flight, 20000,
          "a path stops sending while this many calls are outstanding (the "
          "schedule keeps running, so the wait is in the latencies)");
ABSL_FLAG(int, deadline_ms, 60000, "deadline of every call of both paths");
ABSL_FLAG(int, gateway_max_in_flight, 16384,
          "the gateway's --upstream_max_in_flight (its default, 256, sheds "
          "most of the 10,000-at-once step with RESOURCE_EXHAUSTED at once)");
ABSL_FLAG(double, drain_limit_s, 60,
          "how long a step waits for its last calls after the last send; "
          "calls still open then are cancelled and counted as unfinished");
ABSL_FLAG(int, gateway_cpu, -1,
          "pin every gateway thread to this CPU (sched_setaffinity); -1 "
          "leaves it to the scheduler");
ABSL_FLAG(bool, bare_floor, true,
          "paths D and E: the same Health/Check client against a bare gRPC "
          "server with nothing of the gateway (tests/bench/"
          "bare_health_server.cc), callback API (the gateway's) and async API "
          "with one thread, pinned like the gateway: gRPC's own floor");
ABSL_FLAG(bool, fresh_gateway, true,
          "a new gateway process for every step, so that RSS and threads are "
          "the step's own");
ABSL_FLAG(bool, grpc_floor, true,
          "per rate step also path C: grpc.health.v1.Health/Check on the "
          "gateway at the same rate, the gRPC round trip without an upstream");
ABSL_FLAG(bool, keep_logs, false,
          "keep the temp dir with the gateway's and the sandbox's logs (tens "
          "of MB for a full run: one or two log lines per call)");
ABSL_FLAG(std::vector<std::string>, gateway_args, {},
          "extra gateway flags, comma separated");

namespace jumio_gateway::bench {
namespace {

namespace v1 = ::jumio::gateway::v1;
using Clock = std::chrono::steady_clock;
using ::jumio::testing::ProcStats;
using ::jumio::testing::ReadProcStats;
using ::jumio::testing::Subprocess;

constexpr char kUserAgent[] = "jumio-gateway";  // the transport's default
constexpr char kMethodLabel[] = "grpc_method=\"GetWorkflowExecutionStatus\"";
constexpr char kEndpointLabel[] = "endpoint=\"retrieval_workflow_status\"";

// Runfiles of this binary whether started by `bazel run`, by `bazel test` or
// as bazel-bin/tests/bench/gateway_bench.
std::string Runfile(const std::string& rel) {
  if (getenv("TEST_SRCDIR") != nullptr) {
    return ::jumio::testing::RunfilePath(rel);
  }
  char self[4096];
  const ssize_t n = readlink("/proc/self/exe", self, sizeof(self) - 1);
  if (n > 0) {
    self[n] = '\0';
    const std::string path =
        absl::StrCat(self, ".runfiles/jumio_gateway/", rel);
    if (access(path.c_str(), X_OK) == 0) return path;
  }
  return rel;
}

std::string ReadFirstLine(const std::string& path) {
  std::ifstream in(path);
  std::string line;
  std::getline(in, line);
  return line;
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "model name")) {
      return std::string(
          absl::StripAsciiWhitespace(line.substr(line.find(':') + 1)));
    }
  }
  return "unknown";
}

// Pins the threads the gateway has now; threads it starts later inherit the
// mask from the (pinned) thread that creates them.
void PinProcess(pid_t pid, int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  DIR* tasks = opendir(absl::StrCat("/proc/", pid, "/task").c_str());
  if (tasks == nullptr) return;
  int pinned = 0;
  while (dirent* entry = readdir(tasks)) {
    int tid = 0;
    if (absl::SimpleAtoi(entry->d_name, &tid) &&
        sched_setaffinity(tid, sizeof(set), &set) == 0) {
      ++pinned;
    }
  }
  closedir(tasks);
  std::printf("pinned %d threads of pid %d to CPU %d\n", pinned, pid, cpu);
}

// Sum and count of one histogram series of a Prometheus text page.
struct HistogramTotals {
  double sum = 0;
  double count = 0;
};
HistogramTotals ReadHistogram(const std::string& page, const std::string& name,
                              const std::string& label) {
  HistogramTotals totals;
  for (absl::string_view line : absl::StrSplit(page, '\n')) {
    const bool sum = absl::StartsWith(line, name + "_sum{");
    const bool count = absl::StartsWith(line, name + "_count{");
    if ((!sum && !count) || !absl::StrContains(line, label)) continue;
    double value = 0;
    if (!absl::SimpleAtod(line.substr(line.rfind(' ') + 1), &value)) continue;
    (sum ? totals.sum : totals.count) += value;
  }
  return totals;
}

// The gateway's and the sandbox's processes plus the gateway's histograms at
// one moment.
struct Snapshot {
  Clock::time_point at;
  ProcStats gateway;
  ProcStats sandbox;
  // This process: the load client (and its completion and sampler threads).
  // For path A it is what libcurl alone spends on the same request, the
  // floor of the gateway's own upstream leg.
  ProcStats client;
  HistogramTotals handling;  // grpc_server_handling_seconds
  HistogramTotals upstream;  // jumio_upstream_request_duration_seconds
};

// Peak threads and RSS of the gateway, sampled every 20 ms while a path runs.
class PeakSampler {
 public:
  explicit PeakSampler(pid_t pid) : pid_(pid) {
    thread_ = std::thread([this] {
      do {
        const ProcStats stats = ReadProcStats(pid_);
        absl::MutexLock lock(&mu_);
        threads_ = std::max(threads_, stats.threads);
        rss_kb_ = std::max(rss_kb_, stats.rss_kb);
      } while (!stop_.WaitForNotificationWithTimeout(absl::Milliseconds(20)));
    });
  }
  ~PeakSampler() {
    stop_.Notify();
    thread_.join();
  }
  int threads() {
    absl::MutexLock lock(&mu_);
    return threads_;
  }
  int64_t rss_kb() {
    absl::MutexLock lock(&mu_);
    return rss_kb_;
  }

 private:
  const pid_t pid_;
  absl::Notification stop_;
  absl::Mutex mu_;
  int threads_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t rss_kb_ ABSL_GUARDED_BY(mu_) = 0;
  std::thread thread_;
};

// What one path did in one step's measured window.
struct PathResult {
  int64_t measured = 0;  // calls scheduled in the window
  int64_t ok = 0;
  int64_t unfinished = 0;  // still open at the step's time limit
  std::map<std::string, int64_t> errors;
  std::vector<int64_t> latencies_us;  // from the scheduled send, ok and errors
  double achieved_rate = 0;           // ok completions per second of the window
  Snapshot before;
  Snapshot after;
  int peak_threads = 0;
  int64_t peak_rss_kb = 0;
};

// A client both paths share the open-loop driver with.
class Client {
 public:
  struct Done {
    Clock::time_point scheduled;
    bool measured;
    std::string error;  // empty on success
    Clock::time_point completed;
  };
  virtual ~Client() = default;
  virtual void Send(Clock::time_point scheduled, bool measured) = 0;
  // Waits until `until` at the latest for completions and appends them.
  virtual void Poll(Clock::time_point until, std::vector<Done>& done) = 0;
  virtual int64_t in_flight() const = 0;
  // Cancels whatever is still open; returns how many measured calls were.
  virtual int64_t CancelAll() = 0;
};

// Path A: libcurl multi handle, the gateway transport's options.
class CurlClient final : public Client {
 public:
  CurlClient(std::string url, const std::string& bearer, int max_connections,
             int deadline_ms)
      : url_(std::move(url)), deadline_ms_(deadline_ms) {
    multi_ = curl_multi_init();
    curl_multi_setopt(multi_, CURLMOPT_PIPELINING,
                      static_cast<long>(CURLPIPE_MULTIPLEX));
    curl_multi_setopt(multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
                      static_cast<long>(max_connections));
    headers_ = curl_slist_append(headers_, "Accept: application/json");
    headers_ = curl_slist_append(
        headers_, absl::StrCat("Authorization: Bearer ", bearer).c_str());
    headers_ = curl_slist_append(headers_, "Expect:");
    // Sub-millisecond send times: curl_multi_poll's timeout is in ms.
    timer_ = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
  }
  ~CurlClient() override {
    CancelAll();
    for (CURL* easy : idle_) curl_easy_cleanup(easy);
    curl_multi_cleanup(multi_);
    curl_slist_free_all(headers_);
    if (timer_ >= 0) close(timer_);
  }

  void Send(Clock::time_point scheduled, bool measured) override {
    CURL* easy;
    if (idle_.empty()) {
      easy = curl_easy_init();
    } else {
      easy = idle_.back();
      idle_.pop_back();
      curl_easy_reset(easy);
    }
    auto call = std::make_unique<Call>(Call{easy, scheduled, measured});
    curl_easy_setopt(easy, CURLOPT_URL, url_.c_str());
    curl_easy_setopt(easy, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(easy, CURLOPT_PRIVATE, static_cast<void*>(call.get()));
    curl_easy_setopt(easy, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(easy, CURLOPT_WRITEFUNCTION, &Discard);
    curl_easy_setopt(easy, CURLOPT_HTTP_VERSION,
                     static_cast<long>(CURL_HTTP_VERSION_2TLS));
    curl_easy_setopt(easy, CURLOPT_TCP_KEEPALIVE, 1L);
    curl_easy_setopt(easy, CURLOPT_CONNECTTIMEOUT_MS, 5000L);
    curl_easy_setopt(easy, CURLOPT_TIMEOUT_MS, static_cast<long>(deadline_ms_));
    curl_easy_setopt(easy, CURLOPT_HTTPGET, 1L);
    curl_easy_setopt(easy, CURLOPT_USERAGENT, kUserAgent);
    curl_easy_setopt(easy, CURLOPT_HTTPHEADER, headers_);
    curl_multi_add_handle(multi_, easy);
    open_.emplace(easy, std::move(call));
    int running = 0;
    curl_multi_perform(multi_, &running);  // the request goes out now
  }

  void Poll(Clock::time_point until, std::vector<Done>& done) override {
    const auto now = Clock::now();
    if (until > now) {
      itimerspec spec{};
      const auto ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                          until.time_since_epoch())
                          .count();
      spec.it_value.tv_sec = ns / 1000000000;
      spec.it_value.tv_nsec = ns % 1000000000;
      timerfd_settime(timer_, TFD_TIMER_ABSTIME, &spec, nullptr);
      curl_waitfd extra{timer_, CURL_WAIT_POLLIN, 0};
      const int timeout_ms = static_cast<int>(
          std::chrono::duration_cast<std::chrono::milliseconds>(until - now)
              .count() +
          1);
      curl_multi_poll(multi_, &extra, 1, timeout_ms, nullptr);
      uint64_t expirations;
      while (read(timer_, &expirations, sizeof(expirations)) > 0) {
      }
    }
    int running = 0;
    curl_multi_perform(multi_, &running);
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      CURL* easy = message->easy_handle;
      long status = 0;
      curl_easy_getinfo(easy, CURLINFO_RESPONSE_CODE, &status);
      std::string error;
      if (message->data.result != CURLE_OK) {
        error =
            absl::StrCat("curl: ", curl_easy_strerror(message->data.result));
      } else if (status != 200) {
        error = absl::StrCat("HTTP ", status);
      }
      auto it = open_.find(easy);
      done.push_back(Done{it->second->scheduled, it->second->measured,
                          std::move(error), Clock::now()});
      open_.erase(it);
      curl_multi_remove_handle(multi_, easy);
      idle_.push_back(easy);
    }
  }

  int64_t in_flight() const override { return open_.size(); }

  int64_t CancelAll() override {
    int64_t measured = 0;
    for (auto& [easy, call] : open_) {
      if (call->measured) ++measured;
      curl_multi_remove_handle(multi_, easy);
      idle_.push_back(easy);
    }
    open_.clear();
    return measured;
  }

 private:
  struct Call {
    CURL* easy;
    Clock::time_point scheduled;
    bool measured;
  };
  static size_t Discard(char*, size_t size, size_t n, void*) {
    return size * n;
  }

  const std::string url_;
  const int deadline_ms_;
  CURLM* multi_ = nullptr;
  curl_slist* headers_ = nullptr;
  int timer_ = -1;
  std::vector<CURL*> idle_;
  std::map<CURL*, std::unique_ptr<Call>> open_;
};

// Paths B and C: async gRPC, one unary method, one CompletionQueue, a few
// channels. A thread of its own blocks in CompletionQueue::Next and stamps
// each completion as it arrives: polled with AsyncNext and a deadline from
// the sending thread, completions were only seen at that deadline (the next
// send time), which added up to one send interval to every latency.
template <typename Service, typename Request, typename Response>
class GrpcClient final : public Client {
 public:
  using Stub = typename Service::Stub;
  using Reader = grpc::ClientAsyncResponseReader<Response>;
  using StartFn = std::unique_ptr<Reader> (Stub::*)(grpc::ClientContext*,
                                                    const Request&,
                                                    grpc::CompletionQueue*);
  GrpcClient(const std::string& target, int channels, Request request,
             StartFn start, int deadline_ms)
      : deadline_ms_(deadline_ms), request_(std::move(request)), start_(start) {
    for (int i = 0; i < channels; ++i) {
      grpc::ChannelArguments args;
      // A distinct argument per channel: its own subchannel, its own TCP
      // connection, instead of gRPC sharing one between equal channels.
      args.SetInt("jumio_gateway.bench.channel", i);
      stubs_.push_back(Service::NewStub(grpc::CreateCustomChannel(
          target, grpc::InsecureChannelCredentials(), args)));
    }
    completions_ = std::thread([this] { Complete(); });
  }
  ~GrpcClient() override {
    CancelAll();
    cq_.Shutdown();
    completions_.join();  // Next returns false once the queue is drained
  }

  void Send(Clock::time_point scheduled, bool measured) override {
    auto* call = new Call;
    call->scheduled = scheduled;
    call->measured = measured;
    call->context.set_deadline(std::chrono::system_clock::now() +
                               std::chrono::milliseconds(deadline_ms_));
    {
      absl::MutexLock lock(&mu_);
      open_.insert(call);
    }
    Stub& stub = *stubs_[next_stub_++ % stubs_.size()];
    call->reader = (stub.*start_)(&call->context, request_, &cq_);
    call->reader->Finish(&call->response, &call->status, call);
  }

  void Poll(Clock::time_point until, std::vector<Done>& done) override {
    absl::MutexLock lock(&mu_);
    const absl::Time deadline =
        absl::Now() + absl::FromChrono(until - Clock::now());
    mu_.AwaitWithDeadline(
        absl::Condition(
            +[](std::vector<Done>* ready) { return !ready->empty(); }, &ready_),
        deadline);
    for (Done& d : ready_) done.push_back(std::move(d));
    ready_.clear();
  }

  int64_t in_flight() const override {
    absl::MutexLock lock(&mu_);
    return open_.size();
  }

  int64_t CancelAll() override {
    int64_t measured = 0;
    absl::MutexLock lock(&mu_);
    for (Call* call : open_) {
      if (call->measured) ++measured;
      call->context.TryCancel();
    }
    // The cancelled calls still complete on the queue; wait for them.
    mu_.AwaitWithTimeout(
        absl::Condition(
            +[](std::set<Call*>* open) { return open->empty(); }, &open_),
        absl::Seconds(10));
    ready_.clear();
    return measured;
  }

 private:
  struct Call {
    grpc::ClientContext context;
    Response response;
    grpc::Status status;
    std::unique_ptr<Reader> reader;
    Clock::time_point scheduled;
    bool measured = false;
  };

  void Complete() {
    void* tag;
    bool ok;
    while (cq_.Next(&tag, &ok)) {
      const auto completed = Clock::now();
      std::unique_ptr<Call> call(static_cast<Call*>(tag));
      std::string error;
      if (!call->status.ok()) {
        error = absl::StrCat("gRPC code ", call->status.error_code(), ": ",
                             call->status.error_message().substr(0, 60));
      }
      absl::MutexLock lock(&mu_);
      open_.erase(call.get());
      ready_.push_back(
          Done{call->scheduled, call->measured, std::move(error), completed});
    }
  }

  const int deadline_ms_;
  const Request request_;
  const StartFn start_;
  std::vector<std::unique_ptr<Stub>> stubs_;
  grpc::CompletionQueue cq_;
  size_t next_stub_ = 0;  // the sending thread's only
  mutable absl::Mutex mu_;
  std::set<Call*> open_ ABSL_GUARDED_BY(mu_);
  std::vector<Done> ready_ ABSL_GUARDED_BY(mu_);
  std::thread completions_;
};

using StatusClient = GrpcClient<v1::WorkflowExecutionService,
                                v1::GetWorkflowExecutionStatusRequest,
                                v1::GetWorkflowExecutionStatusResponse>;
using HealthClient =
    GrpcClient<grpc::health::v1::Health, grpc::health::v1::HealthCheckRequest,
               grpc::health::v1::HealthCheckResponse>;

class Bench {
 public:
  Bench() = default;
  ~Bench() {
    gateway_.reset();  // stopped before their logs go
    sandbox_.reset();
    if (!dir_.empty() && !absl::GetFlag(FLAGS_keep_logs)) {
      std::error_code ignored;
      std::filesystem::remove_all(dir_, ignored);
    }
  }
  Bench(const Bench&) = delete;
  Bench& operator=(const Bench&) = delete;

  absl::Status Start();
  // A new gateway process, so that a step's RSS and threads are its own and
  // not what the step before left behind.
  absl::Status StartGateway();
  // StartGateway unless --fresh_gateway is off or no step has used this one.
  absl::Status FreshGateway();
  // 0 ms upstream, `rate` requests/s, both paths.
  void RateStep(double rate);
  // `in_flight` calls at once against a delayed upstream, path B only.
  void ConcurrencyStep(int in_flight, int latency_ms);

 private:
  Snapshot Take();
  // Sends `warmup` then `measured` calls, call i at start + i * interval
  // (interval zero: `batch` calls at once, then the next batch when all are
  // done).
  PathResult Run(Client& client, int64_t warmup, int64_t measured,
                 Clock::duration interval);
  void Print(const std::string& path, double offered, const PathResult& r);
  void PrintGatewayAdded(const PathResult& a, const PathResult& b);
  absl::Status SetUpstreamLatency(int ms);
  std::unique_ptr<StatusClient> NewStatusClient();
  // Paths D and E: `model` is bare_health_server's --model.
  void BareFloor(const char* label, const std::string& model, double rate,
                 int64_t warmup, int64_t measured, Clock::duration interval);
  // The process whose CPU, switches, RSS and threads a path reports: the
  // gateway, or the bare server of paths D and E.
  pid_t measured_pid() const {
    return bare_ != nullptr ? bare_->pid() : gateway_->pid();
  }
  const char* measured_name() const {
    return bare_ != nullptr ? "bare server" : "gateway";
  }

  std::string dir_;
  std::unique_ptr<Subprocess> sandbox_;
  std::unique_ptr<Subprocess> gateway_;
  std::unique_ptr<Subprocess> bare_;  // only while path D or E runs
  std::string sandbox_url_;
  std::string admin_url_;
  std::string grpc_target_;
  std::string workflow_;    // gRPC resource name
  std::string status_url_;  // the same execution's REST status URL
  std::string bearer_;
  int gateway_starts_ = 0;
  bool gateway_used_ = false;
  ::jumio::testing::HttpClient http_{absl::Seconds(10)};
};

absl::Status Bench::Start() {
  dir_ = ::jumio::testing::MakeTempDir();
  if (dir_.empty()) return absl::InternalError("no temp dir");
  Subprocess::Options sandbox_options;
  sandbox_options.log_file = dir_ + "/sandbox.log";
  auto sandbox = Subprocess::Start(
      Runfile("sandbox/jumio-sandbox"),
      {"--listen=127.0.0.1:0", "--rate_limits=false"}, sandbox_options);
  if (!sandbox.ok()) return sandbox.status();
  sandbox_ = *std::move(sandbox);
  sandbox_url_ = absl::StrCat("http://127.0.0.1:", sandbox_->port());

  std::ofstream(dir_ + "/id") << "sandbox-client\n";
  std::ofstream(dir_ + "/secret") << "sandbox-secret\n";
  if (absl::Status started = StartGateway(); !started.ok()) return started;

  // One account and workflow execution; every call of both paths reads its
  // status.
  auto channel =
      grpc::CreateChannel(grpc_target_, grpc::InsecureChannelCredentials());
  auto accounts = v1::AccountService::NewStub(channel);
  v1::CreateAccountRequest create;
  create.set_region(v1::REGION_EMEA_1);
  create.set_customer_internal_reference("bench-order");
  create.set_user_reference("bench-user");
  create.mutable_workflow_definition()->set_key(2);
  v1::CreateAccountResponse created;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() +
                       std::chrono::seconds(10));
  grpc::Status status = accounts->CreateAccount(&context, create, &created);
  if (!status.ok()) {
    return absl::InternalError("CreateAccount: " + status.error_message());
  }
  workflow_ = created.workflow_execution().name();
  status_url_ = absl::StrCat(sandbox_url_, "/emea-1/retrieval/api/v1/accounts/",
                             created.account_id(), "/workflow-executions/",
                             created.workflow_execution().id(), "/status");

  // Path A's token, as the gateway gets its own.
  auto token = http_.Send(
      "POST", sandbox_url_ + "/emea-1/auth/oauth2/token",
      "grant_type=client_credentials",
      {{"Authorization",
        "Basic " + absl::Base64Escape("sandbox-client:sandbox-secret")},
       {"Content-Type", "application/x-www-form-urlencoded"},
       {"User-Agent", kUserAgent}});
  rapidjson::Document doc;
  doc.Parse(token.body.c_str());
  if (token.status != 200 || !doc.IsObject() ||
      !doc.HasMember("access_token") || !doc["access_token"].IsString()) {
    return absl::InternalError(absl::StrCat("token: HTTP ", token.status));
  }
  bearer_ = doc["access_token"].GetString();

  // Both paths must work before anything is measured.
  auto direct = http_.Get(status_url_, {{"Authorization", "Bearer " + bearer_},
                                        {"Accept", "application/json"},
                                        {"User-Agent", kUserAgent}});
  if (direct.status != 200) {
    return absl::InternalError(absl::StrCat("path A: HTTP ", direct.status));
  }
  auto workflows = v1::WorkflowExecutionService::NewStub(channel);
  v1::GetWorkflowExecutionStatusRequest request;
  request.set_name(workflow_);
  v1::GetWorkflowExecutionStatusResponse response;
  grpc::ClientContext status_context;
  status_context.set_deadline(std::chrono::system_clock::now() +
                              std::chrono::seconds(10));
  status = workflows->GetWorkflowExecutionStatus(&status_context, request,
                                                 &response);
  if (!status.ok()) {
    return absl::InternalError("path B: " + status.error_message());
  }
  return absl::OkStatus();
}

absl::Status Bench::StartGateway() {
  gateway_.reset();  // stops the previous one
  const std::string admin_port_file =
      absl::StrCat(dir_, "/admin_port.", ++gateway_starts_);
  std::vector<std::string> args = {
      "--grpc_listen=127.0.0.1:0",
      "--admin_listen=127.0.0.1:0",
      "--admin_port_file=" + admin_port_file,
      absl::StrCat("--jumio_url_template=", sandbox_url_, "/{region}/{kind}"),
      "--client_id_file=" + dir_ + "/id",
      "--client_secret_file=" + dir_ + "/secret",
      "--default_region=emea-1"};
  // The sandbox runs without Jumio's rate limits: so does the gateway
  // (--gateway_args=--upstream_rate_limits=true measures the pacing).
  args.push_back("--upstream_rate_limits=false");
  args.push_back(absl::StrCat("--upstream_max_in_flight=",
                              absl::GetFlag(FLAGS_gateway_max_in_flight)));
  for (const std::string& arg : absl::GetFlag(FLAGS_gateway_args)) {
    args.push_back(arg);
  }
  Subprocess::Options gateway_options;
  gateway_options.log_file = dir_ + "/gateway.log";
  const auto launched = Clock::now();
  auto gateway =
      Subprocess::Start(Runfile("server/jumio-gateway"), args, gateway_options);
  if (!gateway.ok()) return gateway.status();
  gateway_ = *std::move(gateway);
  std::printf("gateway serving after %.0f ms (port file written)\n",
              std::chrono::duration<double, std::milli>(Clock::now() - launched)
                  .count());
  int admin_port = 0;
  ::jumio::testing::WaitFor(
      [&] {
        return absl::SimpleAtoi(ReadFirstLine(admin_port_file), &admin_port) &&
               admin_port > 0;
      },
      absl::Seconds(10));
  if (admin_port == 0) return absl::InternalError("no admin port");
  admin_url_ = absl::StrCat("http://127.0.0.1:", admin_port);
  grpc_target_ = absl::StrCat("127.0.0.1:", gateway_->port());
  const ProcStats idle = ReadProcStats(gateway_->pid());
  std::printf(
      "gateway idle: %d threads, RSS %.1f MiB; logs in %s (see --keep_logs)\n",
      idle.threads, idle.rss_kb / 1024.0, dir_.c_str());
  if (absl::GetFlag(FLAGS_gateway_cpu) >= 0) {
    PinProcess(gateway_->pid(), absl::GetFlag(FLAGS_gateway_cpu));
  }

  return absl::OkStatus();
}

absl::Status Bench::FreshGateway() {
  if (!absl::GetFlag(FLAGS_fresh_gateway) || !gateway_used_) {
    gateway_used_ = true;
    return absl::OkStatus();
  }
  return StartGateway();
}

std::unique_ptr<StatusClient> Bench::NewStatusClient() {
  v1::GetWorkflowExecutionStatusRequest request;
  request.set_name(workflow_);
  return std::make_unique<StatusClient>(
      grpc_target_, absl::GetFlag(FLAGS_channels), std::move(request),
      &v1::WorkflowExecutionService::Stub::AsyncGetWorkflowExecutionStatus,
      absl::GetFlag(FLAGS_deadline_ms));
}

Snapshot Bench::Take() {
  Snapshot s;
  s.at = Clock::now();
  s.gateway = ReadProcStats(measured_pid());
  s.sandbox = ReadProcStats(sandbox_->pid());
  s.client = ReadProcStats(getpid());
  auto metrics = http_.Get(admin_url_ + "/metrics");
  s.handling =
      ReadHistogram(metrics.body, "grpc_server_handling_seconds", kMethodLabel);
  s.upstream = ReadHistogram(
      metrics.body, "jumio_upstream_request_duration_seconds", kEndpointLabel);
  return s;
}

PathResult Bench::Run(Client& client, int64_t warmup, int64_t measured,
                      Clock::duration interval) {
  PathResult r;
  r.measured = measured;
  PeakSampler peaks(measured_pid());
  const int64_t total = warmup + measured;
  const int64_t max_in_flight = absl::GetFlag(FLAGS_max_in_flight);
  const auto drain = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(absl::GetFlag(FLAGS_drain_limit_s)));
  // With a zero interval everything is due at once: a batch of `measured`
  // (and before it a warm-up batch) instead of a rate.
  const bool batches = interval == Clock::duration::zero();
  auto start = Clock::now() + std::chrono::milliseconds(10);
  auto scheduled = [&](int64_t i) {
    return batches ? start : start + interval * i;
  };
  auto limit = scheduled(total) + drain;
  Clock::time_point window_start = scheduled(warmup);
  Clock::time_point last_done = window_start;
  std::vector<Client::Done> done;
  int64_t i = 0;
  bool window_open = false;
  while (i < total || client.in_flight() > 0) {
    const auto now = Clock::now();
    if (now >= limit) break;
    if (i < total && now >= scheduled(i) &&
        client.in_flight() < max_in_flight) {
      if (i == warmup && batches && client.in_flight() > 0) {
        // The warm-up batch finishes before the measured one starts.
      } else {
        if (i == warmup && !window_open) {
          window_open = true;
          if (batches) {
            start = now;
            limit = now + drain;
          }
          r.before = Take();
          window_start = scheduled(i);
        }
        client.Send(scheduled(i), i >= warmup);
        ++i;
        // Many sends due at once: let completions in every so often.
        if (i % 64 != 0) continue;
      }
    }
    Clock::time_point until = now + std::chrono::milliseconds(50);
    if (i < total && client.in_flight() < max_in_flight &&
        !(batches && i == warmup && client.in_flight() > 0)) {
      until = std::min(until, scheduled(i));
    }
    done.clear();
    client.Poll(std::min(until, limit), done);
    for (const Client::Done& d : done) {
      if (!d.measured) continue;
      last_done = std::max(last_done, d.completed);
      r.latencies_us.push_back(
          std::chrono::duration_cast<std::chrono::microseconds>(d.completed -
                                                                d.scheduled)
              .count());
      if (d.error.empty()) {
        ++r.ok;
      } else {
        ++r.errors[d.error];
      }
    }
  }
  r.unfinished = client.CancelAll() + std::max<int64_t>(0, total - i);
  if (!window_open) r.before = Take();
  r.after = Take();
  const double seconds =
      std::chrono::duration<double>(last_done - window_start).count();
  r.achieved_rate = seconds > 0 ? r.ok / seconds : 0;
  r.peak_threads = peaks.threads();
  r.peak_rss_kb = peaks.rss_kb();
  std::sort(r.latencies_us.begin(), r.latencies_us.end());
  return r;
}

double Percentile(const std::vector<int64_t>& sorted_us, double p) {
  if (sorted_us.empty()) return -1;
  const size_t index = std::min(
      sorted_us.size() - 1, static_cast<size_t>(p / 100.0 * sorted_us.size()));
  return sorted_us[index] / 1000.0;
}

constexpr double kPercentiles[] = {50, 99, 99.9};

void Bench::Print(const std::string& path, double offered,
                  const PathResult& r) {
  if (offered > 0) {
    std::printf("  %s  offered %.0f/s achieved %.0f/s", path.c_str(), offered,
                r.achieved_rate);
  } else {
    std::printf("  %s  all at once, completed at %.0f/s", path.c_str(),
                r.achieved_rate);
  }
  std::printf("  calls %lld ok %lld", static_cast<long long>(r.measured),
              static_cast<long long>(r.ok));
  int64_t errors = 0;
  for (const auto& [what, n] : r.errors) errors += n;
  std::printf(" errors %lld unfinished %lld\n", static_cast<long long>(errors),
              static_cast<long long>(r.unfinished));
  std::printf("     latency ms  p50 %.3f  p99 %.3f  p99.9 %.3f  max %.3f\n",
              Percentile(r.latencies_us, 50), Percentile(r.latencies_us, 99),
              Percentile(r.latencies_us, 99.9),
              r.latencies_us.empty() ? -1.0 : r.latencies_us.back() / 1000.0);
  for (const auto& [what, n] : r.errors) {
    std::printf("     error x%lld: %s\n", static_cast<long long>(n),
                what.c_str());
  }
  const double completed = r.ok + errors;
  auto per_thousand = [completed](const ProcStats& a, const ProcStats& b) {
    return completed > 0
               ? absl::ToDoubleSeconds(b.cpu - a.cpu) * 1000.0 / completed
               : -1.0;
  };
  std::printf(
      "     CPU s per 1,000 calls: %s %.4f sandbox %.4f bench client %.4f "
      "(window %.1f s)\n",
      measured_name(), per_thousand(r.before.gateway, r.after.gateway),
      per_thousand(r.before.sandbox, r.after.sandbox),
      per_thousand(r.before.client, r.after.client),
      std::chrono::duration<double>(r.after.at - r.before.at).count());
  if (completed > 0) {
    std::printf(
        "     context switches per call: %s %.2f sandbox %.2f\n",
        measured_name(),
        (r.after.gateway.context_switches - r.before.gateway.context_switches) /
            completed,
        (r.after.sandbox.context_switches - r.before.sandbox.context_switches) /
            completed);
  }
  std::printf("     %s threads %d (peak %d)  RSS %.1f MiB (peak %.1f MiB)\n",
              measured_name(), r.after.gateway.threads, r.peak_threads,
              r.after.gateway.rss_kb / 1024.0, r.peak_rss_kb / 1024.0);
}

void Bench::PrintGatewayAdded(const PathResult& a, const PathResult& b) {
  std::printf("  gateway-added (B - A) ms:");
  for (double p : kPercentiles) {
    std::printf("  p%g %.3f", p,
                Percentile(b.latencies_us, p) - Percentile(a.latencies_us, p));
  }
  std::printf("\n");
  const double handled = b.after.handling.count - b.before.handling.count;
  const double upstream = b.after.upstream.count - b.before.upstream.count;
  if (handled > 0 && upstream > 0) {
    const double handling_ms =
        (b.after.handling.sum - b.before.handling.sum) / handled * 1000;
    const double upstream_ms =
        (b.after.upstream.sum - b.before.upstream.sum) / upstream * 1000;
    std::printf(
        "  gateway's own timestamps (mean over %.0f RPCs, %.0f upstream "
        "requests): handling %.3f ms - upstream %.3f ms = %.3f ms\n",
        handled, upstream, handling_ms, upstream_ms, handling_ms - upstream_ms);
  }
}

absl::Status Bench::SetUpstreamLatency(int ms) {
  auto response =
      ms == 0 ? http_.Delete(sandbox_url_ + "/_sandbox/faults")
              : http_.Send("PUT", sandbox_url_ + "/_sandbox/faults",
                           absl::StrCat(R"({"region":"emea-1","hostKind":)",
                                        R"("retrieval","latencyMs":)", ms, "}"),
                           {{"Content-Type", "application/json"}});
  if (response.status / 100 != 2) {
    return absl::InternalError(
        absl::StrCat("faults: HTTP ", response.status, " ", response.body));
  }
  return absl::OkStatus();
}

void Bench::RateStep(double rate) {
  const auto interval = std::chrono::duration_cast<Clock::duration>(
      std::chrono::duration<double>(1.0 / rate));
  const int64_t warmup = absl::GetFlag(FLAGS_warmup_s) * rate;
  const int64_t measured =
      std::max<int64_t>(1, absl::GetFlag(FLAGS_window_s) * rate);
  const int deadline_ms = absl::GetFlag(FLAGS_deadline_ms);
  std::printf(
      "\nstep: upstream 0 ms, %.0f requests/s, %lld warm-up + %lld "
      "measured calls per path\n",
      rate, static_cast<long long>(warmup), static_cast<long long>(measured));
  if (absl::Status fresh = FreshGateway(); !fresh.ok()) {
    std::printf("  skipped: %s\n", std::string(fresh.message()).c_str());
    return;
  }
  PathResult a, b, c;
  {
    CurlClient client(status_url_, bearer_,
                      absl::GetFlag(FLAGS_curl_max_connections), deadline_ms);
    a = Run(client, warmup, measured, interval);
  }
  Print("A direct ", rate, a);
  {
    std::unique_ptr<StatusClient> client = NewStatusClient();
    b = Run(*client, warmup, measured, interval);
  }
  Print("B gateway", rate, b);
  PrintGatewayAdded(a, b);
  if (absl::GetFlag(FLAGS_grpc_floor)) {
    HealthClient client(grpc_target_, absl::GetFlag(FLAGS_channels), {},
                        &grpc::health::v1::Health::Stub::AsyncCheck,
                        deadline_ms);
    c = Run(client, warmup, measured, interval);
    Print("C floor  ", rate, c);
  }
  if (absl::GetFlag(FLAGS_bare_floor)) {
    BareFloor("D bare cb", "callback", rate, warmup, measured, interval);
    BareFloor("E bare as", "async", rate, warmup, measured, interval);
  }
  std::fflush(stdout);
}

void Bench::BareFloor(const char* label, const std::string& model, double rate,
                      int64_t warmup, int64_t measured,
                      Clock::duration interval) {
  Subprocess::Options options;
  options.log_file = dir_ + "/bare_health_server.log";
  auto bare = Subprocess::Start(Runfile("tests/bench/bare_health_server"),
                                {"--model=" + model}, options);
  if (!bare.ok()) {
    std::printf("  %s skipped: %s\n", label,
                std::string(bare.status().message()).c_str());
    return;
  }
  bare_ = *std::move(bare);
  if (absl::GetFlag(FLAGS_gateway_cpu) >= 0) {
    PinProcess(bare_->pid(), absl::GetFlag(FLAGS_gateway_cpu));
  }
  PathResult r;
  {
    HealthClient client(absl::StrCat("127.0.0.1:", bare_->port()),
                        absl::GetFlag(FLAGS_channels), {},
                        &grpc::health::v1::Health::Stub::AsyncCheck,
                        absl::GetFlag(FLAGS_deadline_ms));
    r = Run(client, warmup, measured, interval);
  }
  Print(label, rate, r);
  bare_.reset();  // stopped: the next path measures the gateway again
}

void Bench::ConcurrencyStep(int in_flight, int latency_ms) {
  std::printf(
      "\nstep: upstream %d ms, %d calls at once, path B only "
      "(concurrency-bound: measures what the gateway holds per open "
      "call)\n",
      latency_ms, in_flight);
  if (absl::Status set = SetUpstreamLatency(latency_ms); !set.ok()) {
    std::printf("  skipped: %s\n", std::string(set.message()).c_str());
    return;
  }
  if (absl::Status fresh = FreshGateway(); !fresh.ok()) {
    std::printf("  skipped: %s\n", std::string(fresh.message()).c_str());
    return;
  }
  PathResult b;
  {
    std::unique_ptr<StatusClient> client = NewStatusClient();
    b = Run(*client, absl::GetFlag(FLAGS_slow_warmup) ? in_flight : 0,
            in_flight, Clock::duration::zero());
  }
  Print("B gateway", 0, b);
  const double handled = b.after.handling.count - b.before.handling.count;
  if (handled > 0) {
    std::printf("  gateway's own mean handling time %.3f ms over %.0f RPCs\n",
                (b.after.handling.sum - b.before.handling.sum) / handled * 1000,
                handled);
  }
  if (absl::Status cleared = SetUpstreamLatency(0); !cleared.ok()) {
    std::printf("  %s\n", std::string(cleared.message()).c_str());
  }
  std::fflush(stdout);
}

int Main() {
  std::printf("machine: %ld CPUs, %s; load average %s\n",
              sysconf(_SC_NPROCESSORS_ONLN), CpuModel().c_str(),
              ReadFirstLine("/proc/loadavg").c_str());
  curl_global_init(CURL_GLOBAL_DEFAULT);
  int code = 0;
  {
    Bench bench;
    if (absl::Status started = bench.Start(); !started.ok()) {
      std::fprintf(stderr, "setup failed: %s\n",
                   std::string(started.message()).c_str());
      code = 1;
    } else {
      for (const std::string& text : absl::GetFlag(FLAGS_rates)) {
        double rate = 0;
        if (!absl::SimpleAtod(text, &rate) || rate <= 0) {
          std::fprintf(stderr, "bad --rates entry: %s\n", text.c_str());
          code = 2;
          break;
        }
        bench.RateStep(rate);
      }
      if (code == 0 && absl::GetFlag(FLAGS_slow_in_flight) > 0) {
        bench.ConcurrencyStep(absl::GetFlag(FLAGS_slow_in_flight),
                              absl::GetFlag(FLAGS_slow_latency_ms));
      }
    }
  }
  std::printf("\nload average at the end %s\n",
              ReadFirstLine("/proc/loadavg").c_str());
  curl_global_cleanup();
  return code;
}

}  // namespace
}  // namespace jumio_gateway::bench

int main(int argc, char** argv) {
  absl::ParseCommandLine(argc, argv);
  return jumio_gateway::bench::Main();
}
