// CallbackFeedService in process: a real gRPC server and a real SQLite log.
#include "server/api/callback_feed_service.h"

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "gtest/gtest.h"
#include "server/callbacks/hub.h"
#include "server/callbacks/sqlite_log.h"
#include "tests/testing/blocking_callback_log.h"
#include "tests/testing/callback_store_corruption.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::api {
namespace {

namespace v1 = ::jumio::gateway::v1;
using callbacks::CallbackStats;
using callbacks::DedupKey;
using callbacks::Hub;
using callbacks::SqliteCallbackLog;
using jumio::testing::WaitFor;

// Serves `service` on a loopback port and connects `*stub` to it.
std::unique_ptr<grpc::Server> Serve(
    grpc::Service* service,
    std::unique_ptr<v1::CallbackFeedService::Stub>* stub) {
  grpc::ServerBuilder b;
  int port = 0;
  b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
  b.RegisterService(service);
  std::unique_ptr<grpc::Server> server = b.BuildAndStart();
  *stub = v1::CallbackFeedService::NewStub(grpc::CreateChannel(
      absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
  return server;
}

class FeedServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteCallbackLog::Options o;
    path_ = jumio::testing::MakeTempDir() + "/feed.db";
    o.path = path_;
    log_ = *SqliteCallbackLog::Open(o);
    hub_ = std::make_unique<Hub>(log_.get(), Hub::Options());
    hub_->Start();
    CallbackFeedService::Options fo;
    fo.min_heartbeat = absl::Milliseconds(50);
    fo.min_ack_deadline = absl::Milliseconds(100);
    service_ = std::make_unique<CallbackFeedService>(log_.get(), hub_.get(),
                                                     &stats_, fo);
    server_ = Serve(service_.get(), &stub_);
  }
  void TearDown() override {
    server_->Shutdown(std::chrono::system_clock::now());
    hub_->Stop();
  }
  std::string Append(const std::string& we,
                     v1::WorkflowStatus st = v1::WORKFLOW_STATUS_PROCESSED) {
    v1::Callback cb;
    cb.set_region(v1::REGION_AMER_1);
    cb.mutable_workflow_execution()->set_id(we);
    cb.mutable_workflow_execution()->set_status(st);
    cb.mutable_workflow_execution()->set_raw_status(
        v1::WorkflowStatus_Name(st));
    *cb.mutable_receive_time() =
        google::protobuf::util::TimeUtil::GetCurrentTime();
    return log_->Append(cb, DedupKey(cb))->cursor;
  }

  std::string path_;
  std::unique_ptr<SqliteCallbackLog> log_;
  std::unique_ptr<Hub> hub_;
  CallbackStats stats_;
  std::unique_ptr<CallbackFeedService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::CallbackFeedService::Stub> stub_;
};

TEST_F(FeedServiceTest, WatchReplaysThenStreamsAndResumes) {
  const std::string c1 = Append("w1");
  Append("w2");
  grpc::ClientContext ctx;
  v1::WatchCallbacksRequest req;
  req.set_start_position(v1::START_POSITION_EARLIEST);
  auto reader = stub_->WatchCallbacks(&ctx, req);
  v1::WatchCallbacksResponse r;
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.callback().workflow_execution().id(), "w1");
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.callback().workflow_execution().id(), "w2");
  Append("w3");  // live
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.callback().workflow_execution().id(), "w3");
  ctx.TryCancel();
  reader->Finish();

  // Resume after the first cursor: the rest, in order.
  grpc::ClientContext ctx2;
  req.set_after_cursor(c1);
  auto again = stub_->WatchCallbacks(&ctx2, req);
  ASSERT_TRUE(again->Read(&r));
  EXPECT_EQ(r.callback().workflow_execution().id(), "w2");
  ctx2.TryCancel();
  again->Finish();
  EXPECT_TRUE(WaitFor([&] { return stats_.subscribers.load() == 0; },
                      absl::Seconds(10)));
}

TEST_F(FeedServiceTest, HeartbeatCarriesScannedCursor) {
  Append("w1");
  const std::string c2 = Append("w2", v1::WORKFLOW_STATUS_TOKEN_EXPIRED);
  grpc::ClientContext ctx;
  v1::WatchCallbacksRequest req;
  req.set_start_position(v1::START_POSITION_EARLIEST);
  req.mutable_filter()->add_statuses(v1::WORKFLOW_STATUS_SESSION_EXPIRED);
  req.mutable_heartbeat_interval()->set_nanos(100 * 1000 * 1000);
  auto reader = stub_->WatchCallbacks(&ctx, req);
  v1::WatchCallbacksResponse r;
  ASSERT_TRUE(reader->Read(&r));
  ASSERT_TRUE(r.has_heartbeat());
  EXPECT_EQ(r.heartbeat().scanned_cursor(), c2);
  ctx.TryCancel();
  reader->Finish();
}

TEST_F(FeedServiceTest, WatchValidatesRequests) {
  auto code = [&](const v1::WatchCallbacksRequest& req) {
    grpc::ClientContext ctx;
    auto reader = stub_->WatchCallbacks(&ctx, req);
    v1::WatchCallbacksResponse r;
    while (reader->Read(&r)) {
    }
    return reader->Finish().error_code();
  };
  v1::WatchCallbacksRequest bad;
  bad.set_subscription("Not_Valid");
  EXPECT_EQ(code(bad), grpc::StatusCode::INVALID_ARGUMENT);
  bad.Clear();
  bad.mutable_filter()->add_regions(v1::REGION_UNSPECIFIED);
  EXPECT_EQ(code(bad), grpc::StatusCode::INVALID_ARGUMENT);
  bad.Clear();
  bad.set_after_cursor("not-a-cursor");
  EXPECT_EQ(code(bad), grpc::StatusCode::INVALID_ARGUMENT);
  bad.Clear();
  bad.set_subscription("grp");
  bad.set_max_outstanding_callbacks(5000);
  EXPECT_EQ(code(bad), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(FeedServiceTest, UnreadableEntriesAreListedStreamedAndCounted) {
  Append("w1");
  auto bad = jumio_gateway::testing::InsertRawSqliteCallback(
      path_, "w-bad|PROCESSED", absl::ToUnixMicros(absl::Now()),
      jumio_gateway::testing::InvalidUtf8CallbackBytes("w-bad"));
  ASSERT_TRUE(bad.ok()) << bad.status();
  Append("w2");

  grpc::ClientContext ctx;
  v1::ListCallbacksRequest req;
  v1::ListCallbacksResponse resp;
  ASSERT_TRUE(stub_->ListCallbacks(&ctx, req, &resp).ok());
  ASSERT_EQ(resp.callbacks_size(), 2);
  EXPECT_EQ(resp.callbacks(0).workflow_execution().id(), "w1");
  EXPECT_EQ(resp.callbacks(1).workflow_execution().id(), "w2");
  ASSERT_EQ(resp.unreadable_callbacks_size(), 1);
  EXPECT_EQ(resp.unreadable_callbacks(0).cursor(), *bad);
  EXPECT_TRUE(resp.unreadable_callbacks(0).has_receive_time());
  EXPECT_FALSE(resp.unreadable_callbacks(0).reason().empty());
  EXPECT_EQ(stats_.unreadable.load(), 1);

  // Pages end at one cursor whatever the kind: 1 per page.
  std::vector<std::string> cursors;
  v1::ListCallbacksRequest page;
  page.set_page_size(1);
  for (int i = 0; i < 10; ++i) {
    grpc::ClientContext pctx;
    v1::ListCallbacksResponse presp;
    ASSERT_TRUE(stub_->ListCallbacks(&pctx, page, &presp).ok());
    const int n = presp.callbacks_size() + presp.unreadable_callbacks_size();
    // A full last page still carries a token; the page after it is empty.
    if (n == 0 && presp.next_page_token().empty()) break;
    ASSERT_EQ(n, 1);
    cursors.push_back(presp.callbacks_size() == 1
                          ? presp.callbacks(0).workflow_execution().id()
                          : "unreadable:" +
                                presp.unreadable_callbacks(0).cursor());
    if (presp.next_page_token().empty()) break;
    page.set_page_token(presp.next_page_token());
  }
  EXPECT_EQ(cursors,
            (std::vector<std::string>{"w1", "unreadable:" + *bad, "w2"}));

  // WatchCallbacks: in log order, as its own event.
  grpc::ClientContext wctx;
  v1::WatchCallbacksRequest wreq;
  wreq.set_start_position(v1::START_POSITION_EARLIEST);
  auto reader = stub_->WatchCallbacks(&wctx, wreq);
  v1::WatchCallbacksResponse r;
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.callback().workflow_execution().id(), "w1");
  ASSERT_TRUE(reader->Read(&r));
  ASSERT_TRUE(r.has_unreadable_callback());
  EXPECT_EQ(r.unreadable_callback().cursor(), *bad);
  ASSERT_TRUE(reader->Read(&r));
  EXPECT_EQ(r.callback().workflow_execution().id(), "w2");
  wctx.TryCancel();
  reader->Finish();
  EXPECT_GE(stats_.unreadable.load(), 2);
}

TEST_F(FeedServiceTest, ListPagesThroughTheLog) {
  for (int i = 0; i < 25; ++i) Append(absl::StrCat("w", i));
  v1::ListCallbacksRequest req;
  req.set_page_size(10);
  std::vector<std::string> ids;
  std::string token;
  int pages = 0;
  do {
    grpc::ClientContext ctx;
    req.set_page_token(token);
    v1::ListCallbacksResponse resp;
    grpc::Status s = stub_->ListCallbacks(&ctx, req, &resp);
    ASSERT_TRUE(s.ok()) << s.error_message();
    for (const auto& cb : resp.callbacks()) {
      ids.push_back(cb.workflow_execution().id());
    }
    token = resp.next_page_token();
    ++pages;
  } while (!token.empty() && pages < 10);
  EXPECT_EQ(pages, 3);
  ASSERT_EQ(ids.size(), 25u);
  EXPECT_EQ(ids.front(), "w0");
  EXPECT_EQ(ids.back(), "w24");

  // A token used with another filter is refused.
  grpc::ClientContext c1;
  v1::ListCallbacksResponse first;
  req.set_page_token("");
  ASSERT_TRUE(stub_->ListCallbacks(&c1, req, &first).ok());
  grpc::ClientContext c2;
  req.set_page_token(first.next_page_token());
  req.mutable_filter()->add_statuses(v1::WORKFLOW_STATUS_PROCESSED);
  v1::ListCallbacksResponse other;
  EXPECT_EQ(stub_->ListCallbacks(&c2, req, &other).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_F(FeedServiceTest, SubscriptionRedeliversUnacknowledged) {
  v1::WatchCallbacksRequest req;
  req.set_subscription("grp");
  req.set_start_position(v1::START_POSITION_EARLIEST);
  req.mutable_ack_deadline()->set_nanos(300 * 1000 * 1000);
  Append("w1");
  grpc::ClientContext ctx;
  auto reader = stub_->WatchCallbacks(&ctx, req);
  v1::WatchCallbacksResponse r;
  ASSERT_TRUE(reader->Read(&r));
  ASSERT_TRUE(r.has_callback());
  const std::string cursor = r.callback().cursor();
  // Not acknowledged: delivered again after the deadline.
  do {
    ASSERT_TRUE(reader->Read(&r));
  } while (!r.has_callback());
  EXPECT_EQ(r.callback().cursor(), cursor);
  grpc::ClientContext actx;
  v1::AcknowledgeCallbacksRequest ack;
  ack.set_subscription("grp");
  ack.add_cursors(cursor);
  v1::AcknowledgeCallbacksResponse aresp;
  ASSERT_TRUE(stub_->AcknowledgeCallbacks(&actx, ack, &aresp).ok());
  Append("w2");
  do {
    ASSERT_TRUE(reader->Read(&r));
  } while (!r.has_callback() || r.callback().cursor() == cursor);
  EXPECT_EQ(r.callback().workflow_execution().id(), "w2");
  ctx.TryCancel();
  reader->Finish();
}

// The store stalls: ListCallbacks and AcknowledgeCallbacks wait for it on the
// service's worker pool (one thread, one waiting call here), never on a gRPC
// thread, so other calls are answered meanwhile and calls beyond the pool's
// bound are refused at once instead of piling up.
class SlowStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteCallbackLog::Options o;
    o.path = jumio::testing::MakeTempDir() + "/feed.db";
    sqlite_ = *SqliteCallbackLog::Open(o);
    log_ = std::make_unique<testing::BlockingCallbackLog>(sqlite_.get());
    hub_ = std::make_unique<Hub>(log_.get(), Hub::Options());
    hub_->Start();
    CallbackFeedService::Options fo;
    fo.store_threads = 1;
    fo.max_queued_store_calls = 1;
    service_ = std::make_unique<CallbackFeedService>(log_.get(), hub_.get(),
                                                     &stats_, fo);
    server_ = Serve(service_.get(), &stub_);
  }
  void TearDown() override {
    log_->Open();
    for (std::thread& t : calls_) t.join();
    server_->Shutdown(std::chrono::system_clock::now());
    hub_->Stop();
  }

  // Sends a ListCallbacks on its own thread; its status lands in statuses_.
  void ListInBackground() {
    calls_.emplace_back([this] {
      grpc::ClientContext ctx;
      v1::ListCallbacksResponse response;
      grpc::Status status =
          stub_->ListCallbacks(&ctx, v1::ListCallbacksRequest(), &response);
      absl::MutexLock lock(&mu_);
      statuses_.push_back(status);
    });
  }
  // Blocks until `n` background calls have returned.
  std::vector<grpc::Status> AwaitFinished(size_t n) {
    absl::MutexLock lock(&mu_);
    auto done = [this, n]() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) {
      return statuses_.size() >= n;
    };
    mu_.Await(absl::Condition(&done));
    return statuses_;
  }

  std::unique_ptr<SqliteCallbackLog> sqlite_;
  std::unique_ptr<testing::BlockingCallbackLog> log_;
  std::unique_ptr<Hub> hub_;
  CallbackStats stats_;
  std::unique_ptr<CallbackFeedService> service_;
  std::unique_ptr<grpc::Server> server_;
  std::unique_ptr<v1::CallbackFeedService::Stub> stub_;
  std::vector<std::thread> calls_;
  absl::Mutex mu_;
  std::vector<grpc::Status> statuses_ ABSL_GUARDED_BY(mu_);
};

TEST_F(SlowStoreTest, OtherCallsAreAnsweredWhileTheStoreStalls) {
  log_->Close();
  ListInBackground();
  log_->AwaitArrivals(1);  // the worker thread waits in the store

  // Validation needs no store: answered while the store call hangs.
  grpc::ClientContext list_ctx;
  v1::ListCallbacksRequest bad_list;
  bad_list.set_page_size(-1);
  v1::ListCallbacksResponse list_response;
  EXPECT_EQ(
      stub_->ListCallbacks(&list_ctx, bad_list, &list_response).error_code(),
      grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext ack_ctx;
  v1::AcknowledgeCallbacksRequest bad_ack;
  bad_ack.set_subscription("grp");
  v1::AcknowledgeCallbacksResponse ack_response;
  EXPECT_EQ(stub_->AcknowledgeCallbacks(&ack_ctx, bad_ack, &ack_response)
                .error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  grpc::ClientContext watch_ctx;
  v1::WatchCallbacksRequest bad_watch;
  bad_watch.set_subscription("Not A Name");
  auto reader = stub_->WatchCallbacks(&watch_ctx, bad_watch);
  v1::WatchCallbacksResponse event;
  EXPECT_FALSE(reader->Read(&event));
  EXPECT_EQ(reader->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);

  // The stalled call completes once the store answers.
  log_->Open();
  std::vector<grpc::Status> finished = AwaitFinished(1);
  EXPECT_TRUE(finished[0].ok()) << finished[0].error_message();
}

TEST_F(SlowStoreTest, CallsBeyondThePoolBoundAreRefusedAtOnce) {
  log_->Close();
  ListInBackground();
  log_->AwaitArrivals(1);  // the one worker is taken
  ListInBackground();      // waits in the pool's queue (or is the one refused)
  ListInBackground();      // one of these two finds the queue full

  std::vector<grpc::Status> first = AwaitFinished(1);
  EXPECT_EQ(first[0].error_code(), grpc::StatusCode::UNAVAILABLE);
  google::rpc::Status details;
  ASSERT_TRUE(details.ParseFromString(first[0].error_details()));
  bool reason_found = false;
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) {
      EXPECT_EQ(info.reason(), "CALLBACK_LOG_UNAVAILABLE");
      reason_found = true;
    }
  }
  EXPECT_TRUE(reason_found);

  log_->Open();
  std::vector<grpc::Status> all = AwaitFinished(3);
  EXPECT_TRUE(all[1].ok()) << all[1].error_message();
  EXPECT_TRUE(all[2].ok()) << all[2].error_message();
}

}  // namespace
}  // namespace jumio_gateway::api
