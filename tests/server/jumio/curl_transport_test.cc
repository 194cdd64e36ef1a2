// CurlMultiTransport against a real HTTP server (cpp-httplib on 127.0.0.1,
// port 0): no mock of libcurl anywhere.
#include "server/jumio/curl_transport.h"

#include <arpa/inet.h>
#include <dirent.h>
#include <httplib.h>
#include <netinet/in.h>
#include <openssl/bio.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::jumio {
namespace {

using ::jumio::testing::WaitFor;
using ::testing::HasSubstr;
using ::testing::Not;

constexpr absl::Duration kWait = absl::Seconds(30);

int CountThreads() {
  DIR* dir = opendir("/proc/self/task");
  if (dir == nullptr) return -1;
  int count = 0;
  while (dirent* entry = readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  closedir(dir);
  return count;
}

// Bytes 0..255 repeated: NULs and every other value a JPEG might hold.
std::string BinaryData(size_t size) {
  std::string data(size, '\0');
  for (size_t i = 0; i < size; ++i) {
    data[i] = static_cast<char>((i * 7 + i / 256) % 256);
  }
  return data;
}

// Holds server handlers until the test opens it (bounded, so that a failing
// test cannot hang the server forever).
class Gate {
 public:
  void Enter() {
    absl::MutexLock lock(&mu_);
    ++arrived_;
    mu_.AwaitWithTimeout(absl::Condition(&open_), kWait);
  }
  void Open() {
    absl::MutexLock lock(&mu_);
    open_ = true;
  }
  int arrived() {
    absl::MutexLock lock(&mu_);
    return arrived_;
  }

 private:
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = false;
  int arrived_ ABSL_GUARDED_BY(mu_) = 0;
};

class TestServer {
 public:
  TestServer() {
    // Enough workers for every connection the transport may open: httplib
    // serves one keep-alive connection per thread.
    server_.new_task_queue = [] { return new httplib::ThreadPool(64); };
    server_.set_keep_alive_max_count(100000);
    auto echo = [this](const httplib::Request& req, httplib::Response& res) {
      {
        absl::MutexLock lock(&mu_);
        ++echo_requests_;
      }
      int status = 200;
      if (req.has_header("X-Status")) {
        if (!absl::SimpleAtoi(req.get_header_value("X-Status"), &status)) {
          status = 400;
        }
      }
      res.status = status;
      res.set_header("X-Method", req.method);
      res.set_header("X-Seen-Custom", req.get_header_value("X-Custom"));
      res.set_header("X-Seen-Expect", req.get_header_value("Expect"));
      res.set_header("X-Seen-Content-Type",
                     req.get_header_value("Content-Type"));
      res.set_header("X-Seen-User-Agent", req.get_header_value("User-Agent"));
      res.set_header("X-Mixed-CASE", "Value");
      res.set_content(req.body, "application/octet-stream");
    };
    server_.Get("/echo", echo);
    server_.Post("/echo", echo);
    server_.Put("/echo", echo);
    server_.Delete("/echo", echo);
    server_.Patch("/echo", echo);
    server_.Get("/download",
                [](const httplib::Request& req, httplib::Response& res) {
                  size_t size = 0;
                  if (!absl::SimpleAtoi(req.get_param_value("size"), &size))
                    size = 0;
                  res.set_content(BinaryData(size), "application/octet-stream");
                });
    // No Content-Length: the transport only learns the size as bytes arrive.
    server_.Get("/download_chunked", [](const httplib::Request& req,
                                        httplib::Response& res) {
      size_t size = 0;
      if (!absl::SimpleAtoi(req.get_param_value("size"), &size)) size = 0;
      auto data = std::make_shared<std::string>(BinaryData(size));
      res.set_chunked_content_provider(
          "application/octet-stream",
          [data](size_t offset, httplib::DataSink& sink) {
            if (offset >= data->size()) {
              sink.done();
              return true;
            }
            const size_t n = std::min<size_t>(64 * 1024, data->size() - offset);
            return sink.write(data->data() + offset, n);
          });
    });
    server_.Get("/slow",
                [this](const httplib::Request&, httplib::Response& res) {
                  slow_gate.Enter();
                  res.set_content("released", "text/plain");
                });
    server_.Get("/load",
                [this](const httplib::Request& req, httplib::Response& res) {
                  {
                    absl::MutexLock lock(&mu_);
                    remote_ports_.insert(req.remote_port);
                  }
                  load_gate.Enter();
                  res.set_content("ok", "text/plain");
                });
  }

  ~TestServer() {
    slow_gate.Open();
    load_gate.Open();
    server_.stop();
    if (thread_.joinable()) thread_.join();
  }

  bool Start() {
    int listen_fd = -1;
    server_.set_socket_options([&listen_fd](int fd) {
      int yes = 1;
      setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof(yes));
      listen_fd = fd;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    if (port_ <= 0) return false;
    // httplib's backlog of 5 would drop SYNs of a connection burst (1 s
    // retransmits); Linux takes a second listen() as the new backlog.
    if (listen_fd < 0 || listen(listen_fd, 1024) != 0) return false;
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    if (!WaitFor([this] { return server_.is_running(); }, kWait)) return false;
    // One blocking request, so that the server's thread pool exists before
    // the tests count threads.
    httplib::Client client("127.0.0.1", port_);
    auto result = client.Get("/echo");
    absl::MutexLock lock(&mu_);
    echo_requests_ = 0;
    return result && result->status == 200;
  }

  std::string Url(const std::string& path_and_query) const {
    return absl::StrCat("http://127.0.0.1:", port_, path_and_query);
  }
  int echo_requests() {
    absl::MutexLock lock(&mu_);
    return echo_requests_;
  }
  size_t distinct_load_ports() {
    absl::MutexLock lock(&mu_);
    return remote_ports_.size();
  }

  Gate slow_gate;
  Gate load_gate;

 private:
  httplib::Server server_;
  std::thread thread_;
  int port_ = 0;
  absl::Mutex mu_;
  int echo_requests_ ABSL_GUARDED_BY(mu_) = 0;
  std::set<int> remote_ports_ ABSL_GUARDED_BY(mu_);
};

// One transfer's outcome, with the number of times its callback ran.
// Held by shared_ptr: a callback that outlives a failed test stays valid.
struct Outcome : std::enable_shared_from_this<Outcome> {
  absl::Mutex mu;
  int calls ABSL_GUARDED_BY(mu) = 0;
  absl::StatusOr<HttpResponse> result ABSL_GUARDED_BY(mu) =
      absl::UnknownError("callback not called");

  HttpTransport::Callback Callback() {
    return [self = shared_from_this()](absl::StatusOr<HttpResponse> r) {
      absl::MutexLock lock(&self->mu);
      ++self->calls;
      self->result = std::move(r);
    };
  }
  bool Wait() {
    absl::MutexLock lock(&mu);
    return mu.AwaitWithTimeout(absl::Condition(
                                   +[](int* c) { return *c > 0; }, &calls),
                               kWait);
  }
  int call_count() {
    absl::MutexLock lock(&mu);
    return calls;
  }
  absl::StatusOr<HttpResponse> Get() {
    absl::MutexLock lock(&mu);
    return result;
  }
};

HttpRequest Request(std::string method, std::string url, std::string body = "",
                    HttpHeaders headers = {}) {
  HttpRequest request;
  request.method = std::move(method);
  request.url = std::move(url);
  request.body = std::move(body);
  request.headers = std::move(headers);
  return request;
}

class CurlTransportTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(server_.Start()); }

  std::unique_ptr<CurlMultiTransport> MakeTransport(
      CurlMultiTransport::Options options = {}) {
    auto transport = CurlMultiTransport::Create(std::move(options));
    EXPECT_TRUE(transport.ok()) << transport.status();
    return transport.ok() ? *std::move(transport) : nullptr;
  }

  absl::StatusOr<HttpResponse> Call(HttpTransport& transport,
                                    HttpRequest request) {
    auto outcome = std::make_shared<Outcome>();
    transport.Send(std::move(request), outcome->Callback());
    if (!outcome->Wait()) return absl::UnknownError("no callback in time");
    EXPECT_EQ(outcome->call_count(), 1);
    return outcome->Get();
  }

  TestServer server_;
};

TEST_F(CurlTransportTest, SendsMethodHeadersAndBodyAndReadsTheResponse) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  for (const std::string method : {"POST", "PUT", "DELETE", "PATCH"}) {
    SCOPED_TRACE(method);
    auto response =
        Call(*transport,
             Request(method, server_.Url("/echo"), "{\"a\":\"" + method + "\"}",
                     {{"X-Custom", "custom value"},
                      {"Content-Type", "application/json"}}));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->status, 200);
    EXPECT_EQ(response->body, "{\"a\":\"" + method + "\"}");
    EXPECT_EQ(response->headers["x-method"], method);
    EXPECT_EQ(response->headers["x-seen-custom"], "custom value");
    EXPECT_EQ(response->headers["x-seen-content-type"], "application/json");
    // No "Expect: 100-continue" round trip before the body.
    EXPECT_EQ(response->headers["x-seen-expect"], "");
    EXPECT_EQ(response->headers["x-seen-user-agent"], "jumio-gateway");
    // Names lower-cased, values as sent.
    EXPECT_EQ(response->headers["x-mixed-case"], "Value");
    EXPECT_EQ(response->headers.count("X-Mixed-CASE"), 0u);
    EXPECT_EQ(response->headers["content-type"], "application/octet-stream");
  }
}

TEST_F(CurlTransportTest, GetAndBodilessPostCarryNoInventedHeaders) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  auto get = Call(*transport, Request("GET", server_.Url("/echo"), "",
                                      {{"User-Agent", "caller/1"}}));
  ASSERT_TRUE(get.ok()) << get.status();
  EXPECT_EQ(get->headers["x-method"], "GET");
  EXPECT_EQ(get->headers["x-seen-user-agent"], "caller/1");
  EXPECT_EQ(get->body, "");

  auto post = Call(*transport, Request("POST", server_.Url("/echo")));
  ASSERT_TRUE(post.ok()) << post.status();
  EXPECT_EQ(post->headers["x-method"], "POST");
  // libcurl's default form content type is not sent on the caller's behalf.
  EXPECT_EQ(post->headers["x-seen-content-type"], "");
}

TEST_F(CurlTransportTest, HttpErrorStatusesAreResponsesNotErrors) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  auto missing = Call(*transport, Request("GET", server_.Url("/nothing-here")));
  ASSERT_TRUE(missing.ok()) << missing.status();
  EXPECT_EQ(missing->status, 404);

  auto unavailable = Call(*transport, Request("POST", server_.Url("/echo"), "x",
                                              {{"X-Status", "503"}}));
  ASSERT_TRUE(unavailable.ok()) << unavailable.status();
  EXPECT_EQ(unavailable->status, 503);
  EXPECT_EQ(unavailable->body, "x");
}

TEST_F(CurlTransportTest, BinaryBodiesWithNulBytesSurvive) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  std::string body = BinaryData(4096);
  body[0] = '\0';
  body[body.size() - 1] = '\0';
  auto response = Call(*transport, Request("PUT", server_.Url("/echo"), body,
                                           {{"Content-Type", "image/jpeg"}}));
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body.size(), body.size());
  EXPECT_TRUE(response->body == body);
}

TEST_F(CurlTransportTest, FiveMegabyteUploadAndDownloadRoundTrip) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  constexpr size_t kSize = 5 * 1024 * 1024;
  const std::string body = BinaryData(kSize);
  auto upload = Call(*transport, Request("POST", server_.Url("/echo"), body));
  ASSERT_TRUE(upload.ok()) << upload.status();
  EXPECT_EQ(upload->body.size(), kSize);
  EXPECT_TRUE(upload->body == body);

  for (const std::string path : {"/download", "/download_chunked"}) {
    auto download =
        Call(*transport,
             Request("GET", server_.Url(absl::StrCat(path, "?size=", kSize))));
    ASSERT_TRUE(download.ok()) << download.status();
    EXPECT_EQ(download->status, 200);
    EXPECT_EQ(download->body.size(), kSize) << path;
    EXPECT_TRUE(download->body == body) << path;
  }
}

// An upload assembled from the caller's chunks is a Cord of many pieces: it is
// read in place (READFUNCTION) for POST and PUT alike, and arrives intact.
TEST_F(CurlTransportTest, BodyOfManyChunksIsSentInPlaceAndIntact) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  const std::string expected = BinaryData(3 * 1024 * 1024 + 17);
  absl::Cord body;
  for (size_t offset = 0; offset < expected.size(); offset += 64 * 1024) {
    body.Append(std::string(expected.substr(offset, 64 * 1024)));
  }
  ASSERT_FALSE(body.TryFlat().has_value());
  for (const std::string method : {"POST", "PUT"}) {
    HttpRequest request = Request(method, server_.Url("/echo"));
    request.body = body;
    auto response = Call(*transport, std::move(request));
    ASSERT_TRUE(response.ok()) << response.status();
    EXPECT_EQ(response->body.size(), expected.size()) << method;
    EXPECT_TRUE(response->body == expected) << method;
  }
}

// A request may ask for a lower response limit than the transport's.
TEST_F(CurlTransportTest, PerRequestResponseLimit) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  HttpRequest request =
      Request("GET", server_.Url(absl::StrCat("/download?size=", 4096)));
  request.max_response_bytes = 4095;
  auto over = Call(*transport, std::move(request));
  EXPECT_EQ(over.status().code(), absl::StatusCode::kInternal);
  request = Request("GET", server_.Url(absl::StrCat("/download?size=", 4096)));
  request.max_response_bytes = 4096;
  auto at_limit = Call(*transport, std::move(request));
  ASSERT_TRUE(at_limit.ok()) << at_limit.status();
  EXPECT_EQ(at_limit->body.size(), 4096u);
}

TEST_F(CurlTransportTest, ResponseBeyondTheLimitIsAnErrorNotATruncation) {
  CurlMultiTransport::Options options;
  options.max_response_bytes = 1024 * 1024;
  auto transport = MakeTransport(options);
  ASSERT_NE(transport, nullptr);
  for (const std::string path : {"/download", "/download_chunked"}) {
    SCOPED_TRACE(path);
    auto response = Call(
        *transport,
        Request("GET", server_.Url(absl::StrCat(path, "?size=", 2 << 20))));
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.status().code(), absl::StatusCode::kInternal);
    EXPECT_THAT(response.status().message(), HasSubstr("max_response_bytes"));
  }
  // Exactly at the limit is fine, and the transport keeps working.
  auto at_limit = Call(
      *transport,
      Request("GET", server_.Url(absl::StrCat("/download?size=", 1 << 20))));
  ASSERT_TRUE(at_limit.ok()) << at_limit.status();
  EXPECT_EQ(at_limit->body.size(), 1u << 20);
}

TEST_F(CurlTransportTest, DeadlineWhileTheServerHoldsTheRequest) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  HttpRequest request = Request("GET", server_.Url("/slow"));
  request.deadline = absl::Now() + absl::Seconds(1);
  auto response = Call(*transport, std::move(request));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kDeadlineExceeded)
      << response.status();
  // It was a real upstream timeout: the server had the request.
  EXPECT_EQ(server_.slow_gate.arrived(), 1);
}

TEST_F(CurlTransportTest, CancelWhileTheServerHoldsTheRequest) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  auto outcome = std::make_shared<Outcome>();
  const TransferId id = transport->Send(Request("GET", server_.Url("/slow")),
                                        outcome->Callback());
  ASSERT_TRUE(WaitFor([&] { return server_.slow_gate.arrived() == 1; }, kWait));
  EXPECT_EQ(outcome->call_count(), 0);
  transport->Cancel(id);
  ASSERT_TRUE(outcome->Wait());
  EXPECT_EQ(outcome->Get().status().code(), absl::StatusCode::kCancelled);
  // Cancelling again (or after completion) is harmless and calls nothing.
  transport->Cancel(id);
  auto after = Call(*transport, Request("GET", server_.Url("/echo")));
  EXPECT_TRUE(after.ok()) << after.status();
  EXPECT_EQ(outcome->call_count(), 1);
  EXPECT_EQ(transport->InFlight(), 0u);
}

TEST_F(CurlTransportTest, DeadlineAlreadyPassedSendsNothing) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  HttpRequest request = Request("POST", server_.Url("/echo"), "body");
  request.deadline = absl::Now() - absl::Seconds(1);
  auto outcome = std::make_shared<Outcome>();
  transport->Send(std::move(request), outcome->Callback());
  // Completed inline, before Send returned.
  ASSERT_EQ(outcome->call_count(), 1);
  EXPECT_EQ(outcome->Get().status().code(),
            absl::StatusCode::kDeadlineExceeded);
  // A later request is the first one the server sees.
  ASSERT_TRUE(Call(*transport, Request("GET", server_.Url("/echo"))).ok());
  EXPECT_EQ(server_.echo_requests(), 1);
}

TEST_F(CurlTransportTest, ConnectionRefusedIsUnavailableAndLeaksNoSecrets) {
  // A port that was just bound and closed: nothing listens there.
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  ASSERT_GE(fd, 0);
  sockaddr_in address = {};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  ASSERT_EQ(bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address)),
            0);
  socklen_t length = sizeof(address);
  ASSERT_EQ(getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length), 0);
  const int port = ntohs(address.sin_port);
  close(fd);

  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  auto response = Call(
      *transport,
      Request("POST",
              absl::StrCat("http://127.0.0.1:", port,
                           "/api/v1/accounts/acct-777?token=query-secret-1"),
              "personal data",
              {{"Authorization", "Bearer header-secret-2"},
               {"X-Api-Key", "header-secret-3"}}));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  // Nothing reached a server: even a POST may be sent again.
  EXPECT_TRUE(RequestNotSent(response.status()));
  const std::string message(response.status().message());
  EXPECT_THAT(message, HasSubstr(absl::StrCat("127.0.0.1:", port)));
  EXPECT_THAT(message, Not(HasSubstr("secret")));
  EXPECT_THAT(message, Not(HasSubstr("Bearer")));
  EXPECT_THAT(message, Not(HasSubstr("acct-777")));
  EXPECT_THAT(message, Not(HasSubstr("personal")));
}

TEST_F(CurlTransportTest, MalformedRequestsFailInlineWithoutEchoingValues) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  std::vector<HttpRequest> bad = {
      Request("GET", "not a url"),
      Request("GET", "ftp://127.0.0.1/file"),
      Request("GET /x", server_.Url("/echo")),
      Request("GET", server_.Url("/echo"), "",
              {{"Authorization", "Bearer s3cret\r\nX-Injected: 1"}}),
      Request("GET", server_.Url("/echo"), "", {{"Bad Name", "v"}}),
  };
  for (HttpRequest& request : bad) {
    auto outcome = std::make_shared<Outcome>();
    transport->Send(std::move(request), outcome->Callback());
    ASSERT_EQ(outcome->call_count(), 1);
    EXPECT_EQ(outcome->Get().status().code(),
              absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(outcome->Get().status().message(), Not(HasSubstr("s3cret")));
  }
  EXPECT_EQ(server_.echo_requests(), 0);
}

TEST_F(CurlTransportTest, CallbackMaySendTheNextRequest) {
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  auto second = std::make_shared<Outcome>();
  auto first = std::make_shared<Outcome>();
  CurlMultiTransport* raw = transport.get();
  transport->Send(
      Request("POST", server_.Url("/echo"), "one"),
      [this, raw, first, second](absl::StatusOr<HttpResponse> result) {
        raw->Send(Request("POST", server_.Url("/echo"),
                          result.ok() ? result->body + "+two" : "failed"),
                  second->Callback());
        first->Callback()(std::move(result));
      });
  ASSERT_TRUE(second->Wait());
  ASSERT_TRUE(second->Get().ok()) << second->Get().status();
  EXPECT_EQ(second->Get()->body, "one+two");
}

TEST_F(CurlTransportTest,
       ThousandConcurrentTransfersOnTwoThreadsReuseConnections) {
  constexpr int kRequests = 1000;
  constexpr int kIoThreads = 2;
  constexpr int kConnectionsPerHost = 8;
  // Declared before the transport, which may call back while destroyed.
  absl::Mutex mu;
  int done = 0;
  int ok = 0;
  int max_calls_seen = 0;
  std::vector<int> calls(kRequests, 0);

  const int threads_before = CountThreads();
  CurlMultiTransport::Options options;
  options.io_threads = kIoThreads;
  options.max_connections_per_host = kConnectionsPerHost;
  auto transport = MakeTransport(options);
  ASSERT_NE(transport, nullptr);
  const int threads_with_transport = CountThreads();
  EXPECT_EQ(threads_with_transport, threads_before + kIoThreads);

  for (int i = 0; i < kRequests; ++i) {
    transport->Send(
        Request("GET", server_.Url("/load")),
        [&, i](absl::StatusOr<HttpResponse> result) {
          absl::MutexLock lock(&mu);
          ++done;
          max_calls_seen = std::max(max_calls_seen, ++calls[i]);
          if (result.ok() && result->status == 200 && result->body == "ok") {
            ++ok;
          }
        });
  }
  // The server holds every request it gets, so all 1000 are in flight at
  // once: a few on the wire, the rest waiting inside libcurl for a
  // connection.
  ASSERT_TRUE(WaitFor(
      [&] {
        return server_.load_gate.arrived() >= kIoThreads * kConnectionsPerHost;
      },
      kWait));
  EXPECT_EQ(transport->InFlight(), static_cast<size_t>(kRequests));
  int peak_threads = CountThreads();
  server_.load_gate.Open();
  const absl::Time give_up = absl::Now() + absl::Seconds(60);
  {
    absl::MutexLock lock(&mu);
    while (done < kRequests && absl::Now() < give_up) {
      mu.AwaitWithTimeout(absl::Condition(
                              +[](int* d) { return *d >= kRequests; }, &done),
                          absl::Milliseconds(5));
      peak_threads = std::max(peak_threads, CountThreads());
    }
    EXPECT_EQ(done, kRequests);
    EXPECT_EQ(ok, kRequests);
    EXPECT_EQ(max_calls_seen, 1);
  }
  EXPECT_EQ(peak_threads, threads_with_transport);
  // Keep-alive reuse: at most the configured connections, far fewer than
  // requests.
  EXPECT_LE(server_.distinct_load_ports(),
            static_cast<size_t>(kIoThreads * kConnectionsPerHost));
}

TEST_F(CurlTransportTest, DestructorCancelsEveryUnfinishedTransferOnce) {
  constexpr int kRequests = 20;
  absl::Mutex mu;
  std::vector<int> calls(kRequests + 1, 0);
  std::vector<absl::StatusCode> codes(kRequests + 1, absl::StatusCode::kOk);
  auto transport = MakeTransport();
  ASSERT_NE(transport, nullptr);
  CurlMultiTransport* raw = transport.get();
  for (int i = 0; i < kRequests; ++i) {
    transport->Send(Request("GET", server_.Url("/slow")),
                    [&, i, raw](absl::StatusOr<HttpResponse> result) {
                      if (i == 0) {
                        // Sending while the transport shuts down must not lose
                        // the callback either.
                        raw->Send(Request("GET", server_.Url("/slow")),
                                  [&](absl::StatusOr<HttpResponse> late) {
                                    absl::MutexLock lock(&mu);
                                    ++calls[kRequests];
                                    codes[kRequests] = late.status().code();
                                  });
                      }
                      absl::MutexLock lock(&mu);
                      ++calls[i];
                      codes[i] = result.status().code();
                    });
  }
  ASSERT_TRUE(WaitFor([&] { return server_.slow_gate.arrived() >= 2; }, kWait));
  transport.reset();
  absl::MutexLock lock(&mu);
  for (int i = 0; i <= kRequests; ++i) {
    EXPECT_EQ(calls[i], 1) << i;
    EXPECT_EQ(codes[i], absl::StatusCode::kCancelled) << i;
  }
}

// A self-signed certificate for 127.0.0.1, made fresh for each run.
struct TestCertificate {
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key{nullptr,
                                                          EVP_PKEY_free};
  std::unique_ptr<X509, decltype(&X509_free)> cert{nullptr, X509_free};
  std::string pem;
};

absl::StatusOr<TestCertificate> MakeCertificate() {
  TestCertificate result;
  result.key.reset(EVP_EC_gen("P-256"));
  result.cert.reset(X509_new());
  if (result.key == nullptr || result.cert == nullptr) {
    return absl::InternalError("key or certificate allocation failed");
  }
  X509* cert = result.cert.get();
  X509_set_version(cert, 2);
  ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
  X509_gmtime_adj(X509_getm_notBefore(cert), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
  X509_NAME* name = X509_get_subject_name(cert);
  X509_NAME_add_entry_by_txt(
      name, "CN", MBSTRING_ASC,
      reinterpret_cast<const unsigned char*>("jumio-gateway-test"), -1, -1, 0);
  X509_set_issuer_name(cert, name);
  X509_set_pubkey(cert, result.key.get());
  X509V3_CTX ctx;
  X509V3_set_ctx_nodb(&ctx);
  X509V3_set_ctx(&ctx, cert, cert, nullptr, nullptr, 0);
  for (auto [nid, value] :
       {std::pair<int, const char*>{NID_subject_alt_name, "IP:127.0.0.1"},
        {NID_basic_constraints, "critical,CA:TRUE"}}) {
    X509_EXTENSION* extension = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
    if (extension == nullptr) return absl::InternalError("extension failed");
    X509_add_ext(cert, extension, -1);
    X509_EXTENSION_free(extension);
  }
  if (X509_sign(cert, result.key.get(), EVP_sha256()) == 0) {
    return absl::InternalError("signing failed");
  }
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(BIO_new(BIO_s_mem()), BIO_free);
  PEM_write_bio_X509(bio.get(), cert);
  char* data = nullptr;
  const long length = BIO_get_mem_data(bio.get(), &data);
  result.pem.assign(data, length);
  return result;
}

class CurlTransportTlsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto certificate = MakeCertificate();
    ASSERT_TRUE(certificate.ok()) << certificate.status();
    certificate_ = *std::move(certificate);
    server_ = std::make_unique<httplib::SSLServer>(certificate_.cert.get(),
                                                   certificate_.key.get());
    ASSERT_TRUE(server_->is_valid());
    server_->Post("/echo",
                  [](const httplib::Request& req, httplib::Response& res) {
                    res.set_content(req.body, "application/octet-stream");
                  });
    port_ = server_->bind_to_any_port("127.0.0.1");
    ASSERT_GT(port_, 0);
    thread_ = std::thread([this] { server_->listen_after_bind(); });
    ASSERT_TRUE(WaitFor([this] { return server_->is_running(); }, kWait));

    ca_file_ = ::jumio::testing::MakeTempDir() + "/ca.pem";
    std::ofstream out(ca_file_);
    out << certificate_.pem;
    out.close();
    ASSERT_TRUE(out.good());
  }
  void TearDown() override {
    if (server_ != nullptr) server_->stop();
    if (thread_.joinable()) thread_.join();
  }
  std::string Url() const {
    return absl::StrCat("https://127.0.0.1:", port_, "/echo?token=q-secret-1");
  }
  absl::StatusOr<HttpResponse> Call(CurlMultiTransport::Options options) {
    auto transport = CurlMultiTransport::Create(std::move(options));
    if (!transport.ok()) return transport.status();
    auto outcome = std::make_shared<Outcome>();
    (*transport)
        ->Send(Request("POST", Url(), "over tls",
                       {{"Authorization", "Bearer h-secret-2"}}),
               outcome->Callback());
    if (!outcome->Wait()) return absl::UnknownError("no callback in time");
    return outcome->Get();
  }

  TestCertificate certificate_;
  std::unique_ptr<httplib::SSLServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::string ca_file_;
};

TEST_F(CurlTransportTlsTest, UntrustedCertificateIsUnavailableByDefault) {
  auto response = Call({});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), absl::StatusCode::kUnavailable)
      << response.status();
  // A connection was made: the gateway cannot know what the peer saw.
  EXPECT_FALSE(RequestNotSent(response.status()));
  EXPECT_THAT(response.status().message(),
              HasSubstr(absl::StrCat("127.0.0.1:", port_)));
  EXPECT_THAT(response.status().message(), Not(HasSubstr("secret")));
}

TEST_F(CurlTransportTlsTest, TrustedThroughCaFile) {
  CurlMultiTransport::Options options;
  options.ca_file = ca_file_;
  auto response = Call(options);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "over tls");
}

TEST(CurlTransportOptionsTest, RejectsNonsense) {
  CurlMultiTransport::Options options;
  options.io_threads = 0;
  EXPECT_EQ(CurlMultiTransport::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = {};
  options.connect_timeout = absl::ZeroDuration();
  EXPECT_EQ(CurlMultiTransport::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
  options = {};
  options.max_response_bytes = 0;
  EXPECT_EQ(CurlMultiTransport::Create(options).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace jumio_gateway::jumio
