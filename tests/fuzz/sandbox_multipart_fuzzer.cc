// The sandbox's multipart/form-data reader (sandbox/multipart_parse.h), which
// parses whatever a test or a client uploads, and its agreement with the
// gateway's builder (server/jumio/multipart.h): the sandbox must read back
// exactly the file the gateway sent, or the tests would pass for the wrong
// bytes.
//
// Input layout: [mode][rest]
//   mode even  rest is "<Content-Type>\n<body>", parsed as received: any
//              answer is fine, but an accepted body must respect the limits
//              and every part must lie inside the body
//   mode odd   rest is "<filename>\0<file>": built by the gateway's builder
//              (media type from mode >> 1), then parsed by the sandbox: one
//              part named "file" with those exact bytes and that media type
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/strings/str_cat.h"
#include "sandbox/multipart_parse.h"
#include "server/jumio/multipart.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr absl::string_view kMediaTypes[] = {"image/jpeg", "image/png",
                                             "application/pdf"};

void ParseAsReceived(absl::string_view input) {
  absl::string_view content_type;
  jumio_gateway::fuzz::TakeField(&input, '\n', &content_type);
  const absl::string_view body = input;
  jumio::sandbox::MultipartLimits limits;
  limits.max_parts = 4;
  limits.max_header_bytes = 256;
  auto parts = jumio::sandbox::ParseMultipart(content_type, body, limits);
  if (!parts.ok()) {
    JG_FUZZ_CHECK(parts.status().code() == absl::StatusCode::kInvalidArgument,
                  parts.status().ToString());
    return;
  }
  JG_FUZZ_CHECK(parts->size() <= limits.max_parts,
                absl::StrCat(parts->size(), " parts"));
  for (const auto& part : *parts) {
    JG_FUZZ_CHECK(!part.name.empty(), "a part without a name");
    JG_FUZZ_CHECK(part.data.empty() || (part.data.data() >= body.data() &&
                                        part.data.data() + part.data.size() <=
                                            body.data() + body.size()),
                  "part data outside the body");
  }
}

void BuildThenParse(uint8_t mode, absl::string_view input) {
  absl::string_view filename;
  jumio_gateway::fuzz::TakeField(&input, '\0', &filename);
  const absl::string_view file = input;
  const absl::string_view media_type =
      kMediaTypes[(mode >> 1) % std::size(kMediaTypes)];
  int counter = 0;
  const auto built = jumio_gateway::jumio::BuildFileUpload(
      "file", filename, media_type, file,
      [&counter] { return absl::StrCat("fuzzboundary", counter++); });
  jumio::sandbox::MultipartLimits limits;
  auto parts =
      jumio::sandbox::ParseMultipart(built.content_type, built.body, limits);
  JG_FUZZ_CHECK(parts.ok(), parts.status().ToString());
  JG_FUZZ_CHECK(parts->size() == 1, absl::StrCat(parts->size(), " parts"));
  const auto& part = parts->front();
  JG_FUZZ_CHECK(part.name == "file", part.name);
  JG_FUZZ_CHECK(part.content_type == media_type, part.content_type);
  JG_FUZZ_CHECK(part.data == file, "the file's bytes changed");
  JG_FUZZ_CHECK(!part.filename.empty(), "the filename was lost");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const absl::string_view rest =
      jumio_gateway::fuzz::AsText(data + 1, size - 1);
  if (data[0] % 2 == 0) {
    ParseAsReceived(rest);
  } else {
    BuildThenParse(data[0], rest);
  }
  return 0;
}
