// The multipart/form-data builder of part uploads (server/jumio/multipart.h).
// The caller controls the filename and every byte of the file; the builder
// must still produce a body that parses back (RFC 7578/2046) to exactly one
// part with exactly those bytes.
//
// Input layout: [media type][n][n x 32 boundary-token bytes][filename]\0[file]
//   media type  chooses one of the three content types the gateway sends
//   n           low 2 bits: how many boundary tokens (0-3) come from the input
//               before the "random" source falls back to a counter (tokens the
//               input picks can be made to collide with the file's bytes);
//               the other bits: the chunk size (1-64) of the Cord the file is
//               also passed as, to BuildFileUploadCord, which must build the
//               same body, and to CordContains, which must find what find()
//               finds, across chunk boundaries too
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/cord.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_split.h"
#include "server/jumio/multipart.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr absl::string_view kMediaTypes[] = {"image/jpeg", "image/png",
                                             "application/pdf"};
constexpr size_t kTokenBytes = 32;
constexpr size_t kTypePrefixSize = sizeof("multipart/form-data; boundary=") - 1;

// RFC 2046 5.1.1: 1 to 70 of these, not ending in a space.
bool IsBoundary(absl::string_view b) {
  if (b.empty() || b.size() > 70 || b.back() == ' ') return false;
  for (char c : b) {
    const bool ok =
        (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') ||
        (c >= 'A' && c <= 'Z') ||
        absl::string_view("'()+_,-./:=? ").find(c) != absl::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

// A quoted-string parameter value (RFC 7230 qdtext, no quoted-pairs): no
// quote, backslash or control character except HTAB.
bool IsPlainQuotedText(absl::string_view text) {
  for (char c : text) {
    const unsigned char u = static_cast<unsigned char>(c);
    if (c == '"' || c == '\\' || u == 0x7F || (u < 0x20 && c != '\t')) {
      return false;
    }
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  absl::string_view input = jumio_gateway::fuzz::AsText(data, size);
  if (input.size() < 2) return 0;
  const absl::string_view media_type =
      kMediaTypes[static_cast<unsigned char>(input[0]) % 3];
  const size_t token_count = static_cast<unsigned char>(input[1]) % 4;
  const size_t chunk_size = 1 + (static_cast<unsigned char>(input[1]) >> 2);
  input.remove_prefix(2);
  std::vector<std::string> tokens;
  for (size_t i = 0; i < token_count && input.size() >= kTokenBytes; ++i) {
    std::string token;
    for (char c : input.substr(0, kTokenBytes)) {
      token.push_back("0123456789abcdef"[static_cast<unsigned char>(c) & 15]);
    }
    tokens.push_back(std::move(token));
    input.remove_prefix(kTokenBytes);
  }
  absl::string_view filename;
  jumio_gateway::fuzz::TakeField(&input, '\0', &filename);
  const absl::string_view content = input;

  // Like RandomBoundaryToken: 32 hex digits, first the input's, then fresh.
  size_t next = 0;
  uint64_t counter = 0;
  const auto token = [&]() -> std::string {
    if (next < tokens.size()) return tokens[next++];
    return absl::StrFormat("%032x", ++counter);
  };
  const jumio_gateway::jumio::MultipartBody built =
      jumio_gateway::jumio::BuildFileUpload("file", filename, media_type,
                                            content, token);

  // The same file as a Cord of external chunks (never merged), and the same
  // token sequence: the same body.
  absl::Cord chunked;
  for (size_t at = 0; at < content.size(); at += chunk_size) {
    chunked.Append(absl::MakeCordFromExternal(content.substr(at, chunk_size),
                                              [](absl::string_view) {}));
  }
  next = 0;
  counter = 0;
  const jumio_gateway::jumio::MultipartCord built_cord =
      jumio_gateway::jumio::BuildFileUploadCord("file", filename, media_type,
                                                chunked, token);
  JG_FUZZ_CHECK(built_cord.content_type == built.content_type,
                built_cord.content_type);
  JG_FUZZ_CHECK(std::string(built_cord.body) == built.body,
                "the Cord body differs from the string body");
  // CordContains agrees with find() for the boundary and for the filename.
  for (absl::string_view needle :
       {absl::string_view(built.content_type).substr(kTypePrefixSize),
        filename}) {
    if (needle.empty()) continue;
    JG_FUZZ_CHECK(jumio_gateway::jumio::CordContains(chunked, needle) ==
                      (content.find(needle) != absl::string_view::npos),
                  needle);
  }

  constexpr absl::string_view kTypePrefix = "multipart/form-data; boundary=";
  JG_FUZZ_CHECK(absl::StartsWith(built.content_type, kTypePrefix),
                built.content_type);
  const std::string boundary = built.content_type.substr(kTypePrefix.size());
  JG_FUZZ_CHECK(IsBoundary(boundary), boundary);
  JG_FUZZ_CHECK(content.find(boundary) == absl::string_view::npos, boundary);

  // Parse it back the way a server does.
  absl::string_view body = built.body;
  const std::string opening = absl::StrCat("--", boundary, "\r\n");
  JG_FUZZ_CHECK(absl::StartsWith(body, opening), "no opening delimiter");
  body.remove_prefix(opening.size());
  const size_t headers_end = body.find("\r\n\r\n");
  JG_FUZZ_CHECK(headers_end != absl::string_view::npos, "no end of headers");
  const std::vector<absl::string_view> headers =
      absl::StrSplit(body.substr(0, headers_end), "\r\n");
  JG_FUZZ_CHECK(headers.size() == 2, "not exactly two part headers");
  constexpr absl::string_view kDisposition =
      "Content-Disposition: form-data; name=\"file\"; filename=\"";
  JG_FUZZ_CHECK(absl::StartsWith(headers[0], kDisposition) &&
                    absl::EndsWith(headers[0], "\""),
                headers[0]);
  const absl::string_view sent_filename = headers[0].substr(
      kDisposition.size(), headers[0].size() - kDisposition.size() - 1);
  JG_FUZZ_CHECK(!sent_filename.empty() && IsPlainQuotedText(sent_filename),
                sent_filename);
  JG_FUZZ_CHECK(
      sent_filename.size() == (filename.empty() ? 6 : filename.size()),
      sent_filename);
  JG_FUZZ_CHECK(headers[1] == absl::StrCat("Content-Type: ", media_type),
                headers[1]);
  body.remove_prefix(headers_end + 4);
  const std::string delimiter = absl::StrCat("\r\n--", boundary);
  const size_t content_end = body.find(delimiter);
  JG_FUZZ_CHECK(content_end == content.size(), "the file's bytes changed size");
  JG_FUZZ_CHECK(body.substr(0, content_end) == content,
                "the file's bytes changed");
  JG_FUZZ_CHECK(body.substr(content_end) == absl::StrCat(delimiter, "--\r\n"),
                "not one part followed by the closing delimiter");
  return 0;
}
