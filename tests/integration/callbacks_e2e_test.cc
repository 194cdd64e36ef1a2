// Jumio's callback, end to end: the gateway puts its own receiver's URL (with
// an account-bound token) on the account it creates, the sandbox POSTs its real
// callback there when processing ends, and a WatchCallbacks subscriber receives
// it.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "jumio/gateway/v1/callback.grpc.pb.h"
#include "tests/integration/gateway_fixture.h"
#include "tests/sandbox/sandbox_fixture.h"

namespace jumio_gateway {
namespace {

namespace v1 = ::jumio::gateway::v1;
using testing::Context;

// A loopback port nobody listens on right now. The receiver's public URL must
// be known before it starts, so the test cannot let the gateway choose.
int FreeLoopbackPort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bind(fd, reinterpret_cast<sockaddr*>(&address), sizeof(address));
  socklen_t length = sizeof(address);
  getsockname(fd, reinterpret_cast<sockaddr*>(&address), &length);
  close(fd);
  return ntohs(address.sin_port);
}

class CallbacksEndToEndTest : public testing::GatewayFixture {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    callback_port_ = FreeLoopbackPort();
    std::ofstream(dir_ + "/hmac") << std::string(48, 'k') << "\n";
    return {
        absl::StrCat("--callback_listen_host=127.0.0.1"),
        absl::StrCat("--callback_listen_port=", callback_port_),
        absl::StrCat("--callback_public_base_url=http://127.0.0.1:",
                     callback_port_),
        "--callback_hmac_key_files=" + dir_ + "/hmac",
        "--callback_sqlite_path=" + dir_ + "/callbacks.db",
        "--callback_allowed_cidrs=127.0.0.1/32",
        "--callback_resolve_jumio_hosts=false",
        "--allow_loopback_http_callbacks=true",
    };
  }

  int callback_port_ = 0;
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

}  // namespace
}  // namespace jumio_gateway
