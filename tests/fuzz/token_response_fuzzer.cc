// Jumio's OAuth2 token response, read by OAuth2TokenSource
// (server/jumio/token_source.h) through a transport that answers every token
// request with the input as a 200 body. What it accepts becomes the
// Authorization header of every Jumio call, so it must be a header-safe
// "Bearer <token>".
#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "server/jumio/credentials.h"
#include "server/jumio/endpoints.h"
#include "server/jumio/http_transport.h"
#include "server/jumio/token_source.h"
#include "tests/fuzz/fuzz_check.h"
#include "tests/testing/fake_clock.h"

namespace gw = ::jumio_gateway::jumio;

namespace {

class FixedCredentials : public gw::CredentialsProvider {
 public:
  absl::StatusOr<gw::ClientCredentials> Get() override {
    return gw::ClientCredentials{"fuzz-client", "fuzz-secret"};
  }
};

// Answers inline, as a transport may.
class AnsweringTransport : public gw::HttpTransport {
 public:
  explicit AnsweringTransport(std::string body) : body_(std::move(body)) {}
  gw::TransferId Send(gw::HttpRequest request, Callback done) override {
    gw::HttpResponse response;
    response.status = 200;
    response.headers["content-type"] = "application/json";
    response.body = body_;
    std::move(done)(std::move(response));
    return ++sent_;
  }
  void Cancel(gw::TransferId) override {}

 private:
  std::string body_;
  gw::TransferId sent_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  jumio_gateway::jumio::JumioHosts config;
  config.regions["amer-1"].auth = "https://auth.amer-1.jumio.ai";
  FixedCredentials credentials;
  AnsweringTransport transport(
      std::string(jumio_gateway::fuzz::AsText(data, size)));
  const jumio_gateway::testing::FakeClock clock;
  gw::OAuth2TokenSource source(config, &credentials, &transport, clock, {});

  bool called = false;
  absl::StatusOr<std::string> header;
  source.GetAuthorization("amer-1", [&](absl::StatusOr<std::string> result) {
    called = true;
    header = std::move(result);
  });
  JG_FUZZ_CHECK(called, "the inline answer did not complete the request");
  if (!header.ok()) return 0;
  JG_FUZZ_CHECK(header->rfind("Bearer ", 0) == 0, *header);
  JG_FUZZ_CHECK(header->size() > 7, "an empty bearer token was accepted");
  for (char c : *header) {
    const unsigned char u = static_cast<unsigned char>(c);
    JG_FUZZ_CHECK(u >= 0x20 && u != 0x7F,
                  "a control character in the Authorization header");
  }
  return 0;
}
