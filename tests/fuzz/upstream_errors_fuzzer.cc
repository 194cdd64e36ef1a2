// Upstream error mapping (server/jumio/upstream_errors.h): any HTTP answer
// becomes OK (2xx) or an error with exactly one ErrorInfo of the gateway's
// domain, RetryInfo within bounds where a retry may help, and a message that
// holds nothing of the body but a field name.
//
// Input layout: [status hi][status lo][retry-after]\n[body]
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "server/errors/errors.h"
#include "server/jumio/http_transport.h"
#include "server/jumio/upstream_errors.h"
#include "tests/fuzz/fuzz_check.h"

namespace errors = ::jumio_gateway::errors;
namespace gw = ::jumio_gateway::jumio;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input = jumio_gateway::fuzz::AsText(data, size);
  if (input.size() < 2) return 0;
  gw::HttpResponse response;
  response.status = (static_cast<unsigned char>(input[0]) << 8 |
                     static_cast<unsigned char>(input[1])) %
                    1000;
  input.remove_prefix(2);
  absl::string_view retry_after;
  jumio_gateway::fuzz::TakeField(&input, '\n', &retry_after);
  if (!retry_after.empty()) {
    response.headers["retry-after"] = std::string(retry_after);
  }
  response.body = std::string(input);

  const absl::Status status =
      gw::StatusFromHttp(response, "emea-1", "account_create");
  const int code = response.status;
  JG_FUZZ_CHECK(status.ok() == (code >= 200 && code < 300), status.ToString());
  if (status.ok()) return 0;

  const auto info = errors::GetErrorInfo(status);
  JG_FUZZ_CHECK(info.has_value() && info->domain() == errors::kDomain &&
                    !info->reason().empty(),
                status.ToString());
  const auto retry = errors::GetRetryInfo(status);
  if (retry.has_value()) {
    const int64_t seconds = retry->retry_delay().seconds();
    JG_FUZZ_CHECK(seconds >= 0 && seconds <= 300, status.ToString());
  }
  if (code == 429 || code >= 500) {
    JG_FUZZ_CHECK(retry.has_value(), status.ToString());
  }
  // Nothing of the body reaches the caller but a field name Jumio gave.
  const std::string message(status.message());
  for (char c : message) {
    const unsigned char u = static_cast<unsigned char>(c);
    JG_FUZZ_CHECK(u >= 0x20 && u < 0x7F, message);
  }
  JG_FUZZ_CHECK(message.size() <= 200, message);
  return 0;
}
