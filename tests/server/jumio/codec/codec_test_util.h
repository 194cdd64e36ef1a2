// Helpers shared by the codec tests: the sample files, semantic JSON
// comparison, and assertions on the gateway's error details.
#ifndef JUMIO_GATEWAY_TESTS_SERVER_JUMIO_CODEC_CODEC_TEST_UTIL_H_
#define JUMIO_GATEWAY_TESTS_SERVER_JUMIO_CODEC_CODEC_TEST_UTIL_H_

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/string_view.h"
#include "gtest/gtest.h"

namespace jumio_gateway::codec::testing {

// Contents of tests/server/jumio/codec/testdata/<relative>; fails the test
// (and returns "") when missing.
std::string ReadTestdata(absl::string_view relative);

// Relative names ("seed/003_line0025_account_request.json") of the files in
// testdata/<subdir> whose names end with `suffix`, sorted.
std::vector<std::string> ListTestdata(absl::string_view subdir,
                                      absl::string_view suffix);

// Whether two JSON texts are equal as JSON values (member order and number
// spelling ignored); on mismatch, says how.
::testing::AssertionResult JsonEquals(absl::string_view expected,
                                      absl::string_view actual);

// The `field` of every BadRequest violation in `status`, in order.
std::vector<std::string> ViolationFields(const absl::Status& status);

// ErrorInfo.reason of `status`, "" if none.
std::string Reason(const absl::Status& status);

// Sets member `name` of the top-level object in `json` to the string `value`
// (added when absent) and returns the re-serialised JSON.
std::string WithStringMember(absl::string_view json, absl::string_view name,
                             absl::string_view value);

}  // namespace jumio_gateway::codec::testing

#endif  // JUMIO_GATEWAY_TESTS_SERVER_JUMIO_CODEC_CODEC_TEST_UTIL_H_
