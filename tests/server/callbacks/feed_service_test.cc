// CallbackFeedService in process: a real gRPC server and a real SQLite log.
#include "server/callbacks/feed_service.h"

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/callbacks/hub.h"
#include "server/callbacks/sqlite_log.h"
#include "tests/testing/callback_store_corruption.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks {
namespace {

namespace v1 = ::jumio::gateway::v1;
using jumio::testing::WaitFor;

class FeedServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteCallbackLog::Options o;
    path_ = jumio::testing::MakeTempDir() + "/feed.db";
    o.path = path_;
    log_ = *SqliteCallbackLog::Open(o);
    hub_ = std::make_unique<Hub>(log_.get(), Hub::Options());
    hub_->Start();
    FeedService::Options fo;
    fo.min_heartbeat = absl::Milliseconds(50);
    fo.min_ack_deadline = absl::Milliseconds(100);
    service_ =
        std::make_unique<FeedService>(log_.get(), hub_.get(), &stats_, fo);
    grpc::ServerBuilder b;
    int port = 0;
    b.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(), &port);
    b.RegisterService(service_.get());
    server_ = b.BuildAndStart();
    stub_ = v1::CallbackFeedService::NewStub(grpc::CreateChannel(
        absl::StrCat("127.0.0.1:", port), grpc::InsecureChannelCredentials()));
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
  std::unique_ptr<FeedService> service_;
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

}  // namespace
}  // namespace jumio_gateway::callbacks
