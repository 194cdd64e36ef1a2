// Every reader of server/jumio/codec/account_codec.h on one body: Jumio's
// account responses and the account request bodies the sandbox reads.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "google/protobuf/duration.pb.h"
#include "server/jumio/codec/account_codec.h"
#include "tests/fuzz/fuzz_check.h"

namespace codec = ::jumio_gateway::codec;
namespace v1 = ::jumio::gateway::v1;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view body = jumio_gateway::fuzz::AsText(data, size);
  (void)codec::ReadCreateAccountResponse(body, "amer-1");
  (void)codec::ReadUpdateAccountResponse(body, "emea-1");
  (void)codec::ReadAccount(body, "apac-1",
                           "11111111-2222-3333-4444-555555555555");
  (void)codec::ReadAccountWorkflowExecutions(
      body, "amer-1", "11111111-2222-3333-4444-555555555555");

  // What the reader accepts, the strict writer either refuses with a status or
  // writes as a body the reader accepts again.
  absl::StatusOr<v1::CreateAccountRequest> request =
      codec::ReadAccountRequestBody(body);
  if (request.ok()) {
    absl::StatusOr<std::string> written =
        codec::WriteCreateAccountBody(*request);
    if (written.ok()) {
      absl::StatusOr<v1::CreateAccountRequest> again =
          codec::ReadAccountRequestBody(*written);
      JG_FUZZ_CHECK(again.ok(), again.status().ToString());
    }
  }

  google::protobuf::Duration lifetime;
  if (codec::ParseTokenLifetime(body, &lifetime)) {
    JG_FUZZ_CHECK(lifetime.seconds() >= 0, std::string(body));
  }
  (void)codec::IsValidCallbackUrl(body);
  return 0;
}
