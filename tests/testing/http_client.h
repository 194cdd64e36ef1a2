// A small blocking libcurl client for tests: one handle per client (connections
// are reused), no retries, every header and status visible.
//
//   jumio::testing::HttpClient http;
//   auto r = http.Get(url, {{"User-Agent", "test"}});
//   EXPECT_EQ(r.status, 200);
#ifndef JUMIO_GATEWAY_TESTS_TESTING_HTTP_CLIENT_H_
#define JUMIO_GATEWAY_TESTS_TESTING_HTTP_CLIENT_H_

#include <map>
#include <string>
#include <vector>

#include "absl/time/time.h"

namespace jumio::testing {

using Headers = std::vector<std::pair<std::string, std::string>>;

struct HttpResponse {
  int status = 0;     // 0 when the request failed below HTTP
  std::string error;  // libcurl's message when status == 0
  std::string body;
  std::map<std::string, std::string> headers;  // names lower-cased
  // Connections this request opened (0: a kept-alive one was reused) and the
  // time its TCP connect took: tells a slow server from a full accept queue.
  int new_connections = 0;
  absl::Duration connect_time;
  std::string header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? "" : it->second;
  }
};

struct MultipartFile {
  std::string field = "file";
  std::string filename = "image.jpg";
  std::string content_type;  // empty: let libcurl choose
  std::string data;
};

class HttpClient {
 public:
  explicit HttpClient(absl::Duration timeout = absl::Seconds(10));
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  HttpResponse Get(const std::string& url, const Headers& headers = {});
  HttpResponse Delete(const std::string& url, const Headers& headers = {});
  // method is POST, PUT, PATCH...; body is sent as is with a Content-Length
  // (also when empty).
  HttpResponse Send(const std::string& method, const std::string& url,
                    const std::string& body, const Headers& headers = {});
  HttpResponse SendMultipart(const std::string& method, const std::string& url,
                             const MultipartFile& file,
                             const Headers& headers = {});

 private:
  HttpResponse Perform(const Headers& headers);
  void* curl_;
  absl::Duration timeout_;
};

// "Basic base64(user:password)"
std::string BasicAuth(const std::string& user, const std::string& password);

}  // namespace jumio::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_HTTP_CLIENT_H_
