// CallbackFeedService in process: a real gRPC server and a real SQLite log.
#include "server/callbacks/feed_service.h"

#include <google/protobuf/util/time_util.h>
#include <grpcpp/grpcpp.h>

#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/callbacks/hub.h"
#include "server/callbacks/sqlite_log.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks {
namespace {

namespace v1 = ::jumio::gateway::v1;
using jumio::testing::WaitFor;

class FeedServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteCallbackLog::Options o;
    o.path = jumio::testing::MakeTempDir() + "/feed.db";
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
