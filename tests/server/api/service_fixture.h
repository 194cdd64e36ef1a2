// Runs the gateway's gRPC services in-process on a real grpc::Server on
// 127.0.0.1 (port 0) with a FakeJumioApi behind them, for the service tests.
#ifndef JUMIO_GATEWAY_TESTS_SERVER_API_SERVICE_FIXTURE_H_
#define JUMIO_GATEWAY_TESTS_SERVER_API_SERVICE_FIXTURE_H_

#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "server/api/buffer_budget.h"
#include "server/api/idempotency.h"
#include "server/api/service_context.h"
#include "server/api/services.h"
#include "server/callbacks/request_id_store.h"
#include "tests/testing/fake_jumio_api.h"

namespace jumio_gateway::api {

class ServiceFixture : public ::testing::Test {
 protected:
  void SetUp() override;
  void TearDown() override;

  // Called before the server starts: a test may change the context.
  virtual void Configure(ServiceContext& context) {}

  std::shared_ptr<grpc::Channel> channel() const { return channel_; }

  // Starts `call` on another thread with a context the test then cancels,
  // once the fake has seen `upstream_calls` calls (held by the test with
  // fake_.Hold). Returns the RPC's status after checking that every one of
  // those calls saw the cancel.
  grpc::Status CancelWhileUpstream(
      std::function<grpc::Status(grpc::ClientContext*)> call,
      size_t upstream_calls = 1);

  // One unary call of `method` with a fresh context.
  template <typename Stub, typename Request, typename Response>
  static grpc::Status Unary(Stub& stub,
                            grpc::Status (Stub::*method)(grpc::ClientContext*,
                                                         const Request&,
                                                         Response*),
                            const Request& request,
                            Response* response = nullptr) {
    grpc::ClientContext context;
    Response ignored;
    return (stub.*method)(&context, request,
                          response != nullptr ? response : &ignored);
  }

  // The BadRequest field violations of a gRPC error, in order.
  static std::vector<std::string> ViolationFields(const grpc::Status& status);
  // The ErrorInfo reason of a gRPC error ("" when there is none).
  static std::string Reason(const grpc::Status& status);

  testing::FakeJumioApi fake_;
  callbacks::InMemoryRequestIdStore request_id_store_{core::SystemClock(),
                                                      absl::Hours(24)};
  RequestIds idempotency_{&request_id_store_, core::SystemClock(),
                          RequestIds::Options{}};
  BufferBudget budget_{BufferBudget::Options{}};

 private:
  std::unique_ptr<Services> services_;
  std::unique_ptr<grpc::Server> server_;
  std::shared_ptr<grpc::Channel> channel_;
};

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_TESTS_SERVER_API_SERVICE_FIXTURE_H_
