#include "tests/server/api/service_fixture.h"

#include <thread>

#include "absl/strings/str_cat.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace jumio_gateway::api {

void ServiceFixture::SetUp() {
  ServiceContext context;
  context.options.default_region = "amer-1";
  context.options.regions = {"amer-1", "emea-1"};
  context.options.upstream_timeout = absl::Seconds(30);
  context.options.max_image_bytes = 5 * 1000 * 1000;
  context.options.max_pdf_bytes = 15 * 1000 * 1000;
  context.jumio = &fake_;
  context.idempotency = &idempotency_;
  context.budget = &budget_;
  context.clock = &core::SystemClock();
  Configure(context);
  services_ = std::make_unique<Services>(context, /*callback_feed=*/nullptr);

  grpc::ServerBuilder builder;
  int port = 0;
  builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                           &port);
  services_->RegisterWith(builder);
  server_ = builder.BuildAndStart();
  ASSERT_NE(server_, nullptr);
  ASSERT_GT(port, 0);
  channel_ = grpc::CreateChannel(absl::StrCat("127.0.0.1:", port),
                                 grpc::InsecureChannelCredentials());
}

void ServiceFixture::TearDown() {
  if (server_ != nullptr) server_->Shutdown();
}

grpc::Status ServiceFixture::CancelWhileUpstream(
    std::function<grpc::Status(grpc::ClientContext*)> call,
    size_t upstream_calls) {
  grpc::ClientContext context;
  grpc::Status status;
  std::thread caller([&] { status = call(&context); });
  EXPECT_TRUE(fake_.WaitForCalls(upstream_calls));
  context.TryCancel();
  for (size_t i = 0; i < upstream_calls; ++i) {
    EXPECT_TRUE(fake_.WaitForCancel(i)) << "upstream call " << i;
  }
  caller.join();
  return status;
}

std::vector<std::string> ServiceFixture::ViolationFields(
    const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return fields;
  for (const auto& any : details.details()) {
    google::rpc::BadRequest bad_request;
    if (!any.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

std::string ServiceFixture::Reason(const grpc::Status& status) {
  google::rpc::Status details;
  if (!details.ParseFromString(status.error_details())) return "";
  for (const auto& any : details.details()) {
    google::rpc::ErrorInfo info;
    if (any.UnpackTo(&info)) return info.reason();
  }
  return "";
}

}  // namespace jumio_gateway::api
