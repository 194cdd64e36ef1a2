#include "server/api/request_guard.h"

#include <grpcpp/impl/codegen/proto_utils.h>
#include <grpcpp/support/proto_buffer_reader.h>

#include "server/errors/errors.h"
#include "server/errors/grpc_status.h"

namespace jumio_gateway::api {
namespace {

using grpc::experimental::InterceptionHookPoints;
using grpc::experimental::ServerRpcInfo;

class RequestGuardInterceptor : public grpc::experimental::Interceptor {
 public:
  explicit RequestGuardInterceptor(ServerRpcInfo::Type type)
      // Only these methods have their request parsed by gRPC before the
      // handler; a missing message there can only be a failed parse.
      : parsed_by_grpc_(type == ServerRpcInfo::Type::UNARY ||
                        type == ServerRpcInfo::Type::SERVER_STREAMING) {}

  void Intercept(
      grpc::experimental::InterceptorBatchMethods* methods) override {
    if (parsed_by_grpc_ &&
        methods->QueryInterceptionHookPoint(
            InterceptionHookPoints::POST_RECV_MESSAGE) &&
        methods->GetRecvMessage() == nullptr) {
      malformed_ = true;
    }
    if (malformed_ && methods->QueryInterceptionHookPoint(
                          InterceptionHookPoints::PRE_SEND_STATUS)) {
      // gRPC's own stand-in reactor answers UNIMPLEMENTED; anything else was
      // decided by a handler and stays.
      if (methods->GetSendStatus().error_code() ==
          grpc::StatusCode::UNIMPLEMENTED) {
        methods->ModifySendStatus(errors::ToGrpcStatus(MalformedRequest()));
      }
    }
    methods->Proceed();
  }

 private:
  const bool parsed_by_grpc_;
  bool malformed_ = false;
};

}  // namespace

absl::Status MalformedRequest() {
  return errors::Error(
      absl::StatusCode::kInvalidArgument,
      ::jumio::gateway::v1::ERROR_REASON_MALFORMED_REQUEST,
      "the request message cannot be parsed: it is not a valid protobuf "
      "encoding of the method's request type, or a string field holds "
      "invalid UTF-8");
}

absl::Status ParseStreamMessage(grpc::ByteBuffer& buffer,
                                google::protobuf::Message& message) {
  grpc::Status status =
      grpc::SerializationTraits<google::protobuf::Message>::Deserialize(
          &buffer, &message);
  if (!status.ok()) return MalformedRequest();
  return absl::OkStatus();
}

grpc::experimental::Interceptor*
RequestGuardInterceptorFactory::CreateServerInterceptor(ServerRpcInfo* info) {
  return new RequestGuardInterceptor(info->type());
}

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRequestGuardInterceptorFactory() {
  return std::make_unique<RequestGuardInterceptorFactory>();
}

}  // namespace jumio_gateway::api
