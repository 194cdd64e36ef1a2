// The gRPC edge's check of what no handler ever sees: a request message that
// cannot be parsed (not a valid protobuf encoding of the method's request
// type, or invalid UTF-8 in a string field).
//
// gRPC 1.51's callback API parses the request of a unary or server-streaming
// method before the handler runs and, when that fails, answers the call itself
// with UNIMPLEMENTED and an empty message (server_callback_handlers.h), which
// tells the caller nothing. This interceptor sees the failed parse (a
// POST_RECV_MESSAGE without a message) and replaces that status with
// INVALID_ARGUMENT, ErrorInfo reason MALFORMED_REQUEST. It is installed for
// every method, so a new RPC gets it without a line of its own.
//
// Client-streaming reads are different: the reactor gets OnReadDone(false)
// both for a message that failed to parse and for the caller's half-close, and
// neither the reactor nor an interceptor can tell them apart. Streaming
// methods that read messages therefore register as raw methods (ByteBuffer)
// and parse each message with ParseStreamMessage below, which returns the same
// error.
#ifndef JUMIO_GATEWAY_SERVER_API_REQUEST_GUARD_H_
#define JUMIO_GATEWAY_SERVER_API_REQUEST_GUARD_H_

#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/server_interceptor.h>

#include <memory>

#include "absl/status/status.h"
#include "google/protobuf/message.h"

namespace jumio_gateway::api {

// INVALID_ARGUMENT, reason MALFORMED_REQUEST.
absl::Status MalformedRequest();

// Parses one message of a raw (ByteBuffer) stream into `message`;
// MalformedRequest() when it cannot be parsed. Consumes `buffer`.
absl::Status ParseStreamMessage(grpc::ByteBuffer& buffer,
                                google::protobuf::Message& message);

class RequestGuardInterceptorFactory
    : public grpc::experimental::ServerInterceptorFactoryInterface {
 public:
  grpc::experimental::Interceptor* CreateServerInterceptor(
      grpc::experimental::ServerRpcInfo* info) override;
};

std::unique_ptr<grpc::experimental::ServerInterceptorFactoryInterface>
MakeRequestGuardInterceptorFactory();

}  // namespace jumio_gateway::api

#endif  // JUMIO_GATEWAY_SERVER_API_REQUEST_GUARD_H_
