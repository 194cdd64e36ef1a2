// Shared fixture for tests that drive a real jumio-sandbox process over HTTP.
#ifndef JUMIO_GATEWAY_TESTS_SANDBOX_SANDBOX_FIXTURE_H_
#define JUMIO_GATEWAY_TESTS_SANDBOX_SANDBOX_FIXTURE_H_

#include <memory>
#include <string>
#include <vector>

#include "gtest/gtest.h"
#include "rapidjson/document.h"
#include "tests/testing/http_client.h"
#include "tests/testing/subprocess.h"

namespace jumio::sandbox::testing {

using jumio::testing::Headers;
using jumio::testing::HttpClient;
using jumio::testing::HttpResponse;

// A PNG that is only a signature and an IHDR chunk: enough for the sandbox's
// header check.
std::string Png(uint32_t width, uint32_t height);
// A JPEG with SOI, an SOF0 segment and EOI.
std::string Jpeg(uint16_t width, uint16_t height);
// A 1200x800 JPEG that carries `canary` in a comment segment (FF FE) right
// after its start marker: a valid image for the sandbox, and bytes no other
// data has (privacy and erasure tests scan the stores for them).
std::string JpegWithCanary(const std::string& canary);
rapidjson::Document ParseJson(const std::string& body);
std::string ReadTestdata(const std::string& name);
// Every member of `sample` (recursively, arrays by their first element) exists
// in `actual` with the same JSON kind. Returns the first mismatch path, or ""
// when the shape matches.
std::string ShapeMismatch(const rapidjson::Value& sample,
                          const rapidjson::Value& actual,
                          const std::string& path = "$");

class Sandbox {
 public:
  explicit Sandbox(std::vector<std::string> args);
  bool ok() const { return proc_ != nullptr; }
  const std::string& error() const { return error_; }
  std::string Url(const std::string& region, const std::string& kind,
                  const std::string& path) const;
  std::string Control(const std::string& path) const;
  // Fresh OAuth2 token for a region.
  std::string Token(const std::string& region);
  Headers Auth(const std::string& token) const {
    return {{"Authorization", "Bearer " + token},
            {"User-Agent", "jumio-gateway-tests/1.0"}};
  }
  Headers JsonAuth(const std::string& token) const {
    Headers h = Auth(token);
    h.emplace_back("Content-Type", "application/json");
    return h;
  }
  struct Created {
    int status = 0;
    std::string body;
    std::string account_id;
    std::string workflow_id;
    // category -> credential (id, api.parts by lower-case classifier,
    // api.token)
    struct Cred {
      std::string id, category, token;
      std::vector<std::string> channels;
      std::map<std::string, std::string> parts;
    };
    std::vector<Cred> creds;
    const Cred* Find(const std::string& category, int nth = 0) const;
  };
  Created CreateAccount(const std::string& region, const std::string& token,
                        const std::string& body,
                        const std::string& account_id = "");
  HttpResponse Upload(const std::string& url, const std::string& token,
                      const std::string& data,
                      const std::string& method = "POST");
  HttpResponse Finalize(const std::string& region, const std::string& token,
                        const Created& created);
  // Polls the status endpoint until it reports `status` (bounded); returns the
  // last status.
  std::string WaitForStatus(const std::string& region, const std::string& token,
                            const Created& created, const std::string& status,
                            absl::Duration timeout = absl::Seconds(10));
  HttpResponse Details(const std::string& region, const std::string& token,
                       const Created& created, const std::string& suffix = "");
  HttpClient& http() { return http_; }
  int port() const { return proc_->port(); }
  pid_t pid() const { return proc_->pid(); }

 private:
  std::unique_ptr<jumio::testing::Subprocess> proc_;
  std::string error_;
  HttpClient http_;
};

}  // namespace jumio::sandbox::testing

#endif  // JUMIO_GATEWAY_TESTS_SANDBOX_SANDBOX_FIXTURE_H_
