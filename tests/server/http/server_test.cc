// The event-driven HTTP server over real sockets on 127.0.0.x, port 0: every
// deadline, cap and refusal of server.h, with a raw client so that the test
// controls each byte.
#include "server/http/server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "gtest/gtest.h"
#include "tests/testing/loopback.h"

namespace jumio_gateway::http {
namespace {

// Polls `predicate` (bounded); the sanctioned way to wait in tests.
bool WaitFor(const std::function<bool()>& predicate,
             absl::Duration timeout = absl::Seconds(5)) {
  const absl::Time deadline = absl::Now() + timeout;
  while (absl::Now() < deadline) {
    if (predicate()) return true;
    poll(nullptr, 0, 2);
  }
  return predicate();
}

// A blocking TCP client with bounded reads, optionally from another
// 127.0.0.x source address.
class RawClient {
 public:
  explicit RawClient(int port, const std::string& source = "127.0.0.1")
      : fd_(::jumio::testing::ConnectLoopback(port, source, absl::Seconds(30))),
        connected_(fd_ >= 0) {}
  ~RawClient() {
    if (fd_ >= 0) close(fd_);
  }
  bool connected() const { return connected_; }

  bool Send(absl::string_view data) {
    return ::jumio::testing::SendAll(fd_, data);
  }

  // Waits up to `timeout` for readable data or EOF. Returns false on timeout.
  bool WaitReadable(absl::Duration timeout) {
    pollfd p{fd_, POLLIN, 0};
    return poll(&p, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout))) >
           0;
  }

  // Reads what is available into the buffer; false on EOF or error.
  bool ReadSome(absl::Duration timeout) {
    if (!WaitReadable(timeout)) return true;
    char buf[16384];
    const ssize_t n = recv(fd_, buf, sizeof(buf), 0);
    if (n <= 0) {
      eof_ = true;
      return false;
    }
    in_.append(buf, static_cast<size_t>(n));
    return true;
  }

  struct Reply {
    int status = 0;
    std::string head;
    std::string body;
    bool ok = false;
    std::string Header(absl::string_view name) const {
      for (absl::string_view line : absl::StrSplit(head, "\r\n")) {
        const size_t colon = line.find(':');
        if (colon != absl::string_view::npos &&
            absl::EqualsIgnoreCase(line.substr(0, colon), name)) {
          return std::string(
              absl::StripAsciiWhitespace(line.substr(colon + 1)));
        }
      }
      return "";
    }
  };

  // One response (Content-Length framed); ok=false on timeout or EOF.
  Reply ReadReply(absl::Duration timeout = absl::Seconds(5)) {
    Reply r;
    const absl::Time deadline = absl::Now() + timeout;
    while (true) {
      const size_t end = in_.find("\r\n\r\n");
      if (end != std::string::npos) {
        r.head = in_.substr(0, end);
        size_t length = 0;
        const std::string cl = r.Header("Content-Length");
        if (!cl.empty()) absl::SimpleAtoi(cl, &length);
        if (in_.size() >= end + 4 + length) {
          r.body = in_.substr(end + 4, length);
          in_.erase(0, end + 4 + length);
          absl::SimpleAtoi(r.head.substr(9, 3), &r.status);
          r.ok = true;
          return r;
        }
      }
      if (eof_ || absl::Now() > deadline) return r;
      ReadSome(deadline - absl::Now());
    }
  }

  // True when the server closes the connection within `timeout` (anything
  // read meanwhile is kept in the buffer).
  bool ClosedWithin(absl::Duration timeout) {
    const absl::Time deadline = absl::Now() + timeout;
    while (!eof_ && absl::Now() < deadline) ReadSome(deadline - absl::Now());
    return eof_;
  }
  const std::string& unread() const { return in_; }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  bool connected_ = false;
  bool eof_ = false;
  std::string in_;
};

std::string Get(absl::string_view path, absl::string_view extra = "") {
  return absl::StrCat("GET ", path, " HTTP/1.1\r\nHost: t\r\n", extra, "\r\n");
}

std::string Post(absl::string_view path, absl::string_view body) {
  return absl::StrCat("POST ", path,
                      " HTTP/1.1\r\nHost: t\r\nContent-Length: ", body.size(),
                      "\r\n\r\n", body);
}

// Answers "<method> <path> <body size>" at once.
Handler Echo(std::atomic<int>* calls = nullptr) {
  return [calls](Request req, Responder respond) {
    if (calls != nullptr) calls->fetch_add(1);
    Response r;
    r.SetContent(200,
                 absl::StrCat(req.method, " ", req.path, " ", req.body.size()),
                 "text/plain");
    respond(std::move(r));
  };
}

std::unique_ptr<Server> StartServer(Server::Options options, Handler handler,
                                    HeadCheck check = nullptr,
                                    BodyErrorHook hook = nullptr) {
  options.host = "127.0.0.1";
  options.port = 0;
  auto server = std::make_unique<Server>(options, std::move(handler),
                                         std::move(check), std::move(hook));
  absl::Status s = server->Start();
  EXPECT_TRUE(s.ok()) << s;
  EXPECT_GT(server->port(), 0);
  return server;
}

TEST(ServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto server = StartServer({}, Echo());
  RawClient c(server->port());
  ASSERT_TRUE(c.connected());
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(c.Send(Post("/a", "hello")));
    RawClient::Reply r = c.ReadReply();
    ASSERT_TRUE(r.ok);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body, "POST /a 5");
    EXPECT_EQ(r.Header("Connection"), "keep-alive");
  }
  EXPECT_EQ(server->stats().connections_accepted.load(), 1);
  // Counted once the write completes, which may be just after the read.
  EXPECT_TRUE(WaitFor([&] { return server->stats().responses == 3; }));
}

TEST(ServerTest, PipelinedRequestsAreAnsweredInOrder) {
  auto server = StartServer({}, Echo());
  RawClient c(server->port());
  ASSERT_TRUE(c.Send(Get("/one") + Post("/two", "xy") + Get("/three")));
  EXPECT_EQ(c.ReadReply().body, "GET /one 0");
  EXPECT_EQ(c.ReadReply().body, "POST /two 2");
  EXPECT_EQ(c.ReadReply().body, "GET /three 0");
}

TEST(ServerTest, ConnectionCloseAndHttp10CloseAfterTheResponse) {
  auto server = StartServer({}, Echo());
  RawClient c(server->port());
  ASSERT_TRUE(c.Send(Get("/", "Connection: close\r\n")));
  RawClient::Reply r = c.ReadReply();
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.Header("Connection"), "close");
  EXPECT_TRUE(c.ClosedWithin(absl::Seconds(5)));
  RawClient old(server->port());
  ASSERT_TRUE(old.Send("GET / HTTP/1.0\r\n\r\n"));
  EXPECT_EQ(old.ReadReply().status, 200);
  EXPECT_TRUE(old.ClosedWithin(absl::Seconds(5)));
}

TEST(ServerTest, SlowDripHeadIsCutAtTheHeadDeadline) {
  Server::Options o;
  o.head_timeout = absl::Milliseconds(600);
  auto server = StartServer(o, Echo());
  RawClient c(server->port());
  const std::string head =
      Get("/slow", "X-Padding: aaaaaaaaaaaaaaaaaaaaaaaa\r\n");
  const absl::Time start = absl::Now();
  // One byte every 50 ms (the behaviour under test), until the server
  // answers; the whole head would take well over a second.
  size_t i = 0;
  while (i < head.size() && !c.WaitReadable(absl::Milliseconds(50))) {
    ASSERT_TRUE(c.Send(head.substr(i++, 1)));
  }
  RawClient::Reply r = c.ReadReply();
  const absl::Duration took = absl::Now() - start;
  EXPECT_LT(i, head.size());
  EXPECT_EQ(r.status, 408);
  EXPECT_TRUE(c.ClosedWithin(absl::Seconds(5)));
  EXPECT_LT(took, absl::Seconds(3));
  EXPECT_EQ(server->stats().head_timeouts.load(), 1);
}

TEST(ServerTest, SilentNewConnectionIsClosedAtTheHeadDeadline) {
  Server::Options o;
  o.head_timeout = absl::Milliseconds(300);
  auto server = StartServer(o, Echo());
  RawClient c(server->port());
  EXPECT_TRUE(c.ClosedWithin(absl::Seconds(3)));
  EXPECT_TRUE(c.unread().empty());
  EXPECT_EQ(server->stats().idle_timeouts.load(), 1);
  EXPECT_TRUE(WaitFor([&] { return server->stats().connections_open == 0; }));
}

TEST(ServerTest, SlowBodyIsCutAtTheBodyDeadline) {
  Server::Options o;
  o.body_timeout = absl::Milliseconds(600);
  std::atomic<int> calls{0};
  std::atomic<int> hook_calls{0};
  auto server =
      StartServer(o, Echo(&calls), nullptr,
                  [&](const Request& head, BodyError error, Response& answer) {
                    EXPECT_EQ(error, BodyError::kTimeout);
                    EXPECT_EQ(head.path, "/slow-body");
                    hook_calls.fetch_add(1);
                  });
  RawClient c(server->port());
  ASSERT_TRUE(c.Send(
      "POST /slow-body HTTP/1.1\r\nHost: t\r\nContent-Length: 100\r\n\r\n"));
  const absl::Time start = absl::Now();
  int sent = 0;
  while (sent < 100 && !c.WaitReadable(absl::Milliseconds(50))) {
    ASSERT_TRUE(c.Send("x"));
    ++sent;
  }
  RawClient::Reply r = c.ReadReply();
  EXPECT_EQ(r.status, 408);
  EXPECT_LT(sent, 100);
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(c.ClosedWithin(absl::Seconds(5)));
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(hook_calls.load(), 1);
  EXPECT_EQ(server->stats().body_timeouts.load(), 1);
}

TEST(ServerTest, IdleKeptAliveConnectionIsClosedAfterTheIdleTimeout) {
  Server::Options o;
  o.idle_timeout = absl::Milliseconds(300);
  auto server = StartServer(o, Echo());
  RawClient c(server->port());
  ASSERT_TRUE(c.Send(Get("/")));
  EXPECT_EQ(c.ReadReply().status, 200);
  const absl::Time start = absl::Now();
  EXPECT_TRUE(c.ClosedWithin(absl::Seconds(3)));
  // Idle deadlines are spread over the last quarter of the timeout (so that a
  // flood opened at once does not time out at once): never before 3/4 of it.
  EXPECT_GE(absl::Now() - start,
            o.idle_timeout * 3 / 4 - absl::Milliseconds(5));
  EXPECT_EQ(server->stats().idle_timeouts.load(), 1);
}

TEST(ServerTest, OversizedHeadGets431) {
  Server::Options o;
  o.max_head_bytes = 1024;
  auto server = StartServer(o, Echo());
  RawClient c(server->port());
  ASSERT_TRUE(c.Send(
      Get("/", absl::StrCat("X-Big: ", std::string(4000, 'a'), "\r\n"))));
  EXPECT_EQ(c.ReadReply().status, 431);
  EXPECT_TRUE(c.ClosedWithin(absl::Seconds(5)));
  EXPECT_EQ(server->stats().head_too_large.load(), 1);
}

TEST(ServerTest, MalformedRequestsGet400AndAreClosed) {
  auto server = StartServer({}, Echo());
  for (const char* bad : {
           "NOT HTTP AT ALL\r\n\r\n",
           // Both framings at once: a smuggling attempt.
           "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
           "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
           "POST / HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
           "Content-Length: 4\r\n\r\nabcd",
       }) {
    RawClient c(server->port());
    ASSERT_TRUE(c.Send(bad));
    EXPECT_EQ(c.ReadReply().status, 400) << bad;
    EXPECT_TRUE(c.ClosedWithin(absl::Seconds(5))) << bad;
  }
  EXPECT_EQ(server->stats().bad_requests.load(), 3);
}

// Finding 6 of issue 9: after a 413 the rest of the body must never be
// answered as a second request.
TEST(ServerTest, DeclaredLengthOverTheLimitGets413ThenClose) {
  Server::Options o;
  o.max_body_bytes = 100;
  std::atomic<int> calls{0};
  auto server = StartServer(o, Echo(&calls));
  RawClient c(server->port());
  // The "body" is itself a request: it must not be served.
  const std::string smuggled = Get("/second");
  ASSERT_TRUE(c.Send(absl::StrCat(
      "POST /first HTTP/1.1\r\nHost: t\r\nContent-Length: 1000\r\n\r\n",
      smuggled)));
  RawClient::Reply r = c.ReadReply();
  EXPECT_EQ(r.status, 413);
  EXPECT_EQ(r.Header("Connection"), "close");
  EXPECT_TRUE(c.ClosedWithin(absl::Seconds(5)));
  EXPECT_TRUE(c.unread().empty()) << c.unread();
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(server->stats().body_too_large.load(), 1);
}

TEST(ServerTest, ChunkedBodyOverTheLimitGets413ThenCloseNeverASecondRequest) {
  Server::Options o;
  o.max_body_bytes = 100;
  std::atomic<int> calls{0};
  std::atomic<int> hook_calls{0};
  auto server = StartServer(o, Echo(&calls), nullptr,
                            [&](const Request&, BodyError error, Response&) {
                              EXPECT_EQ(error, BodyError::kTooLarge);
                              hook_calls.fetch_add(1);
                            });
  RawClient c(server->port());
  // 80 + 80 bytes in two chunks (over 100 at the second), then bytes that
  // parse as a complete request if the server reused the connection.
  const std::string chunk(80, 'a');
  ASSERT_TRUE(c.Send(absl::StrCat(
      "POST /first HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
      "50\r\n", chunk, "\r\n", "50\r\n", chunk, "\r\n", "0\r\n\r\n",
      Get("/second"))));
  RawClient::Reply r = c.ReadReply();
  EXPECT_EQ(r.status, 413);
  EXPECT_TRUE(c.ClosedWithin(absl::Seconds(5)));
  EXPECT_TRUE(c.unread().empty()) << "a second response: " << c.unread();
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(hook_calls.load(), 1);
  // A chunked body within the limit is fine.
  RawClient ok(server->port());
  ASSERT_TRUE(ok.Send(absl::StrCat(
      "POST /ok HTTP/1.1\r\nHost: t\r\nTransfer-Encoding: chunked\r\n\r\n",
      "5\r\nhello\r\n0\r\n\r\n")));
  EXPECT_EQ(ok.ReadReply().body, "POST /ok 5");
}

TEST(ServerTest, HeadCheckAnswersBeforeTheBodyAndCloses) {
  std::atomic<int> calls{0};
  auto server = StartServer({}, Echo(&calls), [](const Request& head) {
    EXPECT_TRUE(head.body.empty());
    if (head.path == "/forbidden") {
      Response r;
      r.SetContent(403, "no", "text/plain");
      return HeadDecision::Answer(r);
    }
    if (head.path == "/small") return HeadDecision::Continue(4);
    return HeadDecision::Continue();
  });
  {
    RawClient c(server->port());
    // The body is never read: its bytes (another request) stay unanswered.
    ASSERT_TRUE(c.Send(absl::StrCat(
        "POST /forbidden HTTP/1.1\r\nHost: t\r\nContent-Length: 18\r\n\r\n",
        Get("/x"))));
    RawClient::Reply r = c.ReadReply();
    EXPECT_EQ(r.status, 403);
    EXPECT_EQ(r.Header("Connection"), "close");
    EXPECT_TRUE(c.ClosedWithin(absl::Seconds(5)));
    EXPECT_TRUE(c.unread().empty());
  }
  {
    RawClient c(server->port());
    ASSERT_TRUE(c.Send(Post("/small", "12345")));
    EXPECT_EQ(c.ReadReply().status, 413);
  }
  {
    RawClient c(server->port());
    ASSERT_TRUE(c.Send(Post("/small", "1234")));
    EXPECT_EQ(c.ReadReply().body, "POST /small 4");
  }
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(server->stats().answered_by_head_check.load(), 1);
}

TEST(ServerTest, ExpectContinueGets100BeforeTheBody) {
  auto server = StartServer({}, Echo());
  RawClient c(server->port());
  ASSERT_TRUE(
      c.Send("POST /e HTTP/1.1\r\nHost: t\r\nContent-Length: 3\r\n"
             "Expect: 100-continue\r\n\r\n"));
  RawClient::Reply cont = c.ReadReply();
  EXPECT_EQ(cont.status, 100);
  ASSERT_TRUE(c.Send("abc"));
  EXPECT_EQ(c.ReadReply().body, "POST /e 3");
}

TEST(ServerTest, TotalConnectionCapClosesNewConnectionsAtOnce) {
  Server::Options o;
  o.max_connections = 3;
  auto server = StartServer(o, Echo());
  std::vector<std::unique_ptr<RawClient>> held;
  for (int i = 0; i < 3; ++i) {
    held.push_back(std::make_unique<RawClient>(server->port()));
  }
  ASSERT_TRUE(WaitFor([&] { return server->stats().connections_open == 3; }));
  RawClient extra(server->port());
  EXPECT_TRUE(extra.ClosedWithin(absl::Seconds(3)));
  EXPECT_EQ(server->stats().refused_total_cap.load(), 1);
  // Held connections still work; once one goes, a new one is admitted.
  ASSERT_TRUE(held[0]->Send(Get("/")));
  EXPECT_EQ(held[0]->ReadReply().status, 200);
  held.pop_back();
  ASSERT_TRUE(WaitFor([&] { return server->stats().connections_open == 2; }));
  RawClient again(server->port());
  ASSERT_TRUE(again.Send(Get("/")));
  EXPECT_EQ(again.ReadReply().status, 200);
}

TEST(ServerTest, PerSourceCapLeavesOtherSourcesServed) {
  Server::Options o;
  o.max_connections_per_source = 2;
  auto server = StartServer(o, Echo());
  RawClient a1(server->port(), "127.0.0.2");
  RawClient a2(server->port(), "127.0.0.2");
  ASSERT_TRUE(WaitFor([&] { return server->stats().connections_open == 2; }));
  RawClient a3(server->port(), "127.0.0.2");
  EXPECT_TRUE(a3.ClosedWithin(absl::Seconds(3)));
  EXPECT_EQ(server->stats().refused_source_cap.load(), 1);
  RawClient b(server->port(), "127.0.0.3");
  ASSERT_TRUE(b.Send(Get("/")));
  EXPECT_EQ(b.ReadReply().status, 200);
  ASSERT_TRUE(a1.Send(Get("/")));
  EXPECT_EQ(a1.ReadReply().status, 200);
}

TEST(ServerTest, FullHandlerQueueGets503WithRetryAfter) {
  Server::Options o;
  o.handler_threads = 1;
  o.handler_queue = 1;
  o.retry_after = absl::Seconds(2);
  absl::Notification release;
  std::atomic<int> started{0};
  auto server = StartServer(o, [&](Request, Responder respond) {
    started.fetch_add(1);
    release.WaitForNotificationWithTimeout(absl::Seconds(10));
    Response r;
    r.SetContent(200, "done", "text/plain");
    respond(std::move(r));
  });
  RawClient running(server->port());
  ASSERT_TRUE(running.Send(Get("/1")));
  ASSERT_TRUE(WaitFor([&] { return started.load() == 1; }));
  RawClient queued(server->port());
  ASSERT_TRUE(queued.Send(Get("/2")));
  ASSERT_TRUE(WaitFor([&] { return server->stats().requests == 2; }));
  RawClient refused(server->port());
  ASSERT_TRUE(refused.Send(Get("/3")));
  RawClient::Reply r = refused.ReadReply();
  EXPECT_EQ(r.status, 503);
  EXPECT_EQ(r.Header("Retry-After"), "2");
  EXPECT_EQ(server->stats().handler_queue_full.load(), 1);
  release.Notify();
  EXPECT_EQ(running.ReadReply().status, 200);
  EXPECT_EQ(queued.ReadReply().status, 200);
  EXPECT_EQ(started.load(), 2);
}

TEST(ServerTest, RespondLaterFromRunAfterAndFromAnotherThread) {
  Server* self = nullptr;
  std::vector<std::thread> threads;
  auto server = StartServer({}, [&](Request req, Responder respond) {
    if (req.path == "/later") {
      self->RunAfter(absl::Milliseconds(200),
                     [r = std::move(respond)]() mutable {
                       Response resp;
                       resp.SetContent(200, "later", "text/plain");
                       r(std::move(resp));
                     });
      return;
    }
    threads.emplace_back([r = std::move(respond)]() mutable {
      Response resp;
      resp.SetContent(201, "thread", "text/plain");
      r(std::move(resp));
    });
  });
  self = server.get();
  RawClient c(server->port());
  const absl::Time start = absl::Now();
  ASSERT_TRUE(c.Send(Get("/later")));
  RawClient::Reply r = c.ReadReply();
  EXPECT_EQ(r.body, "later");
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(190));
  ASSERT_TRUE(c.Send(Get("/thread")));
  EXPECT_EQ(c.ReadReply().status, 201);
  for (auto& t : threads) t.join();
}

TEST(ServerTest, DroppedResponderAnswers500) {
  auto server = StartServer({}, [](Request, Responder) {});
  RawClient c(server->port());
  ASSERT_TRUE(c.Send(Get("/")));
  EXPECT_EQ(c.ReadReply().status, 500);
}

TEST(ServerTest, PacedAndTruncatedResponses) {
  auto server = StartServer({}, [](Request req, Responder respond) {
    Response r;
    r.SetContent(200, std::string(100, 'z'), "text/plain");
    r.chunk_bytes = 25;
    r.chunk_interval = absl::Milliseconds(100);
    if (req.path == "/cut") r.truncate_after = 30;
    respond(std::move(r));
  });
  RawClient paced(server->port());
  const absl::Time start = absl::Now();
  ASSERT_TRUE(paced.Send(Get("/paced")));
  RawClient::Reply r = paced.ReadReply();
  EXPECT_EQ(r.body, std::string(100, 'z'));
  // Three pauses between four pieces.
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(290));

  RawClient cut(server->port());
  ASSERT_TRUE(cut.Send(Get("/cut")));
  EXPECT_TRUE(cut.ClosedWithin(absl::Seconds(5)));
  const std::string& got = cut.unread();
  ASSERT_NE(got.find("\r\n\r\n"), std::string::npos);
  EXPECT_NE(got.find("Content-Length: 100"), std::string::npos);
  EXPECT_EQ(got.size() - got.find("\r\n\r\n") - 4, 30u);
}

TEST(ServerTest, StopFinishesTheResponseInFlightAndClosesIdleConnections) {
  Server::Options o;
  o.handler_threads = 1;
  absl::Notification in_handler;
  absl::Notification release;
  auto server = StartServer(o, [&](Request, Responder respond) {
    in_handler.Notify();
    release.WaitForNotificationWithTimeout(absl::Seconds(10));
    Response r;
    r.SetContent(200, "finished", "text/plain");
    respond(std::move(r));
  });
  RawClient idle(server->port());
  RawClient busy(server->port());
  ASSERT_TRUE(busy.Send(Get("/")));
  ASSERT_TRUE(in_handler.WaitForNotificationWithTimeout(absl::Seconds(5)));
  std::atomic<bool> stopped{false};
  std::thread stopper([&] {
    server->Stop(absl::Seconds(5));
    stopped.store(true);
  });
  // The idle connection goes at once; the busy one waits for its answer.
  EXPECT_TRUE(idle.ClosedWithin(absl::Seconds(3)));
  EXPECT_FALSE(stopped.load());
  release.Notify();
  RawClient::Reply r = busy.ReadReply();
  EXPECT_EQ(r.body, "finished");
  EXPECT_EQ(r.Header("Connection"), "close");
  stopper.join();
  EXPECT_TRUE(stopped.load());
  // Nothing listens any more.
  RawClient late(server->port());
  EXPECT_FALSE(late.connected());
}

TEST(ServerTest, StopAfterGraceClosesAResponseThatNeverComes) {
  Responder kept;
  absl::Mutex mu;
  auto server = StartServer({}, [&](Request, Responder respond) {
    absl::MutexLock l(&mu);
    kept = std::move(respond);
  });
  RawClient c(server->port());
  ASSERT_TRUE(c.Send(Get("/")));
  ASSERT_TRUE(WaitFor([&] { return server->stats().requests == 1; }));
  const absl::Time start = absl::Now();
  server->Stop(absl::Milliseconds(300));
  EXPECT_LT(absl::Now() - start, absl::Seconds(3));
  EXPECT_TRUE(c.ClosedWithin(absl::Seconds(3)));
  // Answering after Stop is harmless.
  absl::MutexLock l(&mu);
  Response r;
  kept(std::move(r));
}

TEST(ServerTest, StartFailsOnATakenPortAndBadHost) {
  auto first = StartServer({}, Echo());
  Server::Options o;
  o.host = "127.0.0.1";
  o.port = first->port();
  Server second(o, Echo());
  EXPECT_EQ(second.Start().code(), absl::StatusCode::kUnavailable);
  o.host = "not an address";
  o.port = 0;
  Server third(o, Echo());
  EXPECT_EQ(third.Start().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ServerTest, RaiseOpenFileLimitReachesTheHardLimit) {
  absl::StatusOr<uint64_t> limit = RaiseOpenFileLimit();
  ASSERT_TRUE(limit.ok()) << limit.status();
  EXPECT_GT(*limit, 0u);
}

}  // namespace
}  // namespace jumio_gateway::http
