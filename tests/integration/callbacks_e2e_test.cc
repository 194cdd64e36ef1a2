// Jumio's callback, end to end: the gateway puts its own receiver's URL (with
// an account-bound token) on the account it creates, the sandbox POSTs its real
// callback there when processing ends, and a WatchCallbacks subscriber receives
// it.
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "server/callbacks/token.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/sandbox/sandbox_fixture.h"
#include "tests/testing/callback_store_corruption.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using testing::Context;

class CallbacksEndToEndTest : public testing::GatewayFixture {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    std::vector<std::string> args = CallbackReceiverArgs();
    args.push_back("--admin_port_file=" + dir_ + "/admin.port");
    // Larger than the default 64 KiB, as an operator may set it: the old
    // recursive parse crashed the gateway on 1 MiB of '['.
    args.push_back("--callback_max_body_bytes=2097152");
    return args;
  }

  // The gateway's /metrics text ("" until the admin port is known).
  std::string Metrics() {
    std::ifstream port_file(dir_ + "/admin.port");
    int port = 0;
    port_file >> port;
    if (port == 0) return "";
    return http_.Get(absl::StrCat("http://127.0.0.1:", port, "/metrics")).body;
  }
};

TEST_F(CallbacksEndToEndTest, SandboxCallbackReachesASubscriber) {
  v1::CreateAccountResponse created = Create(2, "callback-user");
  const std::string workflow = created.workflow_execution().name();
  auto parts = Parts(created.workflow_execution());
  v1::UploadCredentialPartResponse uploaded;
  for (const char* part : {"FRONT", "BACK"}) {
    ASSERT_TRUE(Upload(parts[part], ::jumio::sandbox::testing::Jpeg(1200, 800),
                       &uploaded)
                    .ok());
  }
  ASSERT_TRUE(Finalize(workflow).ok());

  auto stub = v1::CallbackFeedService::NewStub(channel_);
  v1::WatchCallbacksRequest watch;
  watch.set_start_position(v1::START_POSITION_EARLIEST);
  watch.mutable_filter()->add_accounts(created.account());
  auto context = Context(20);
  auto stream = stub->WatchCallbacks(context.get(), watch);
  v1::WatchCallbacksResponse message;
  v1::Callback received;
  while (stream->Read(&message)) {
    if (message.has_callback()) {
      received = message.callback();
      break;
    }
  }
  context->TryCancel();
  EXPECT_EQ(received.workflow_execution().name(), workflow)
      << received.DebugString();
  EXPECT_EQ(received.workflow_execution().raw_status(), "PROCESSED");
  EXPECT_EQ(received.user_reference(), "callback-user");
  EXPECT_FALSE(received.cursor().empty());

  // The sandbox really POSTed to the gateway's token URL and was answered 200.
  // It records the delivery after the answer, which may be after the subscriber
  // already has the callback.
  const std::string target =
      absl::StrCat("127.0.0.1:", callback_port_, "/callbacks/v1/");
  std::string deliveries;
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        deliveries = http_.Get(sandbox_url_ + "/_sandbox/callbacks").body;
        return deliveries.find(target) != std::string::npos &&
               deliveries.find("\"httpStatus\":200") != std::string::npos;
      },
      absl::Seconds(5)))
      << deliveries;
}

// Issue 9 finding 1 against the real gateway: a 64 KiB '[' body on a URL
// with a token signed by the gateway's own key gets a 4xx, and the gateway
// keeps serving (API and receiver).
TEST_F(CallbacksEndToEndTest, DeeplyNestedCallbackBodyGets4xxGatewayServes) {
  auto keys = callbacks::HmacKeyring::FromKeys({std::string(48, 'k')});
  ASSERT_TRUE(keys.ok()) << keys.status();
  callbacks::CallbackUrlIssuer issuer(
      absl::StrCat("http://127.0.0.1:", callback_port_), *std::move(keys),
      nullptr);
  const std::string url = issuer.UrlForAccount("acct-deep");
  for (size_t size : {size_t{64} << 10, size_t{1} << 20}) {
    auto r = http_.Send("POST", url, std::string(size, '['),
                        {{"Content-Type", "application/json"}});
    EXPECT_GE(r.status, 400) << size << " " << r.body;
    EXPECT_LT(r.status, 500) << size << " " << r.body;
  }
  // Still serving: the API works and both refusals were counted.
  v1::CreateAccountResponse created = Create(2, "after-deep");
  EXPECT_FALSE(created.account().empty());
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        return absl::StrContains(
            Metrics(),
            "jumio_callbacks_rejected_total{reason=\"malformed_json\"} 2");
      },
      absl::Seconds(10)))
      << Metrics();
}

// Finding 4's other half against the real gateway: an entry in its SQLite
// log that cannot be decoded is listed as unreadable and counted in
// jumio_callbacks_unreadable_total.
TEST_F(CallbacksEndToEndTest, UndecodableStoredCallbackIsListedAndCounted) {
  auto bad = testing::InsertRawSqliteCallback(
      dir_ + "/callbacks.db", "we-old|PROCESSED",
      absl::ToUnixMicros(absl::Now()),
      testing::InvalidUtf8CallbackBytes("we-old"));
  ASSERT_TRUE(bad.ok()) << bad.status();
  auto stub = v1::CallbackFeedService::NewStub(channel_);
  v1::ListCallbacksRequest request;
  v1::ListCallbacksResponse response;
  grpc::Status status =
      stub->ListCallbacks(Context().get(), request, &response);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.callbacks_size(), 0);
  ASSERT_EQ(response.unreadable_callbacks_size(), 1);
  EXPECT_EQ(response.unreadable_callbacks(0).cursor(), *bad);
  EXPECT_TRUE(::jumio::testing::WaitFor(
      [&] {
        return absl::StrContains(Metrics(),
                                 "jumio_callbacks_unreadable_total 1\n");
      },
      absl::Seconds(10)))
      << Metrics();
}

}  // namespace
}  // namespace jumio_gateway
