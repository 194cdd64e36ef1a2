// The HTTP/1.1 request and response every HTTP server of the project hands to
// its handlers (callback receiver, admin port, jumio-sandbox), independent of
// the server library underneath. Plain values: a handler never sees sockets.
#ifndef JUMIO_GATEWAY_SERVER_HTTP_MESSAGE_H_
#define JUMIO_GATEWAY_SERVER_HTTP_MESSAGE_H_

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace jumio_gateway::http {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct Request {
  std::string method;          // as sent, e.g. "POST"
  std::string target;          // the request-target as sent: "/a/b?x=1"
  std::string path;            // target before '?', not percent-decoded
  std::string query;           // target after '?', raw ("" when none)
  Headers headers;             // in arrival order, names as sent
  std::string body;            // empty until the body has been read
  std::string remote_address;  // the TCP peer, e.g. "127.0.0.1" or "::1"
  int remote_port = 0;

  // The first value of header `name` (ASCII case-insensitive), or "".
  std::string Header(absl::string_view name) const;
  bool HasHeader(absl::string_view name) const;
};

struct Response {
  int status = 200;
  Headers headers;  // Content-Length and Connection are set by the server
  std::string body;
  // Close the connection after this response (it is also closed when the
  // request's body was not read, or on any protocol error).
  bool close = false;

  // Fault emulation (jumio-sandbox only): write the body in pieces of
  // `chunk_bytes` with `chunk_interval` between them (0: all at once), and cut
  // the connection after `truncate_after` body bytes (npos: whole body).
  size_t chunk_bytes = 0;
  absl::Duration chunk_interval = absl::ZeroDuration();
  size_t truncate_after = std::string::npos;

  // Replaces every header `name` (case-insensitive) with one `value`.
  void SetHeader(absl::string_view name, absl::string_view value);
  // The first value of header `name` (case-insensitive), or "".
  std::string Header(absl::string_view name) const;
  // Sets the status, the body and its Content-Type.
  void SetContent(int status_code, std::string content,
                  absl::string_view content_type);
};

// Decodes application/x-www-form-urlencoded text ('+' is a space, %XX a byte)
// into name/value pairs in order. Malformed escapes are kept literally.
std::vector<std::pair<std::string, std::string>> ParseQuery(
    absl::string_view query);

// The first value of `name` in a ParseQuery result, or "".
std::string QueryValue(
    const std::vector<std::pair<std::string, std::string>>& params,
    absl::string_view name);

// The reason phrase of a status code ("Not Found"), or "Unknown".
absl::string_view ReasonPhrase(int status);

}  // namespace jumio_gateway::http

#endif  // JUMIO_GATEWAY_SERVER_HTTP_MESSAGE_H_
