// The sandbox's multipart/form-data reader: what curl, browsers and the
// gateway's own builder send is read exactly; anything malformed, truncated
// or over a limit is refused with InvalidArgument and never crashes.
#include "sandbox/multipart_parse.h"

#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "server/jumio/multipart.h"

namespace jumio::sandbox {
namespace {

constexpr char kType[] = "multipart/form-data; boundary=XYZ";

std::string FilePart(absl::string_view name, absl::string_view data) {
  return absl::StrCat("Content-Disposition: form-data; name=\"", name,
                      "\"; filename=\"a.png\"\r\nContent-Type: image/png\r\n",
                      "\r\n", data);
}

std::string Body(const std::vector<std::string>& parts,
                 absl::string_view boundary = "XYZ") {
  std::string body;
  for (const auto& p : parts)
    absl::StrAppend(&body, "--", boundary, "\r\n", p, "\r\n");
  absl::StrAppend(&body, "--", boundary, "--\r\n");
  return body;
}

absl::StatusCode Code(absl::string_view type, absl::string_view body,
                      const MultipartLimits& limits = {}) {
  return ParseMultipart(type, body, limits).status().code();
}

TEST(MultipartBoundaryTest, TokenAndQuotedForms) {
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*MultipartBoundary("Multipart/Form-Data;BOUNDARY=abc"), "abc");
  EXPECT_EQ(*MultipartBoundary("multipart/form-data; charset=utf-8; "
                               "boundary=\"a b:c?\""),
            "a b:c?");
  EXPECT_EQ(*MultipartBoundary("multipart/form-data ; boundary=x ;"), "x");
  EXPECT_EQ(*MultipartBoundary(absl::StrCat("multipart/form-data; boundary=",
                                            std::string(70, 'b'))),
            std::string(70, 'b'));
}

TEST(MultipartBoundaryTest, RefusesWhatRfc2046Forbids) {
  for (const std::string& type : {
           std::string("multipart/form-data"),
           std::string("multipart/form-data; boundary="),
           std::string("multipart/form-data; boundary=\"\""),
           absl::StrCat("multipart/form-data; boundary=", std::string(71, 'b')),
           std::string("multipart/form-data; boundary=\"ends with space \""),
           std::string("multipart/form-data; boundary=\"semi;colon\""),
           std::string("multipart/form-data; boundary=\"unterminated"),
           std::string("multipart/form-data; boundary=a; boundary=b"),
           std::string("multipart/form-data; boundary a"),
           std::string("multipart/form-data boundary=a"),
           std::string("multipart/mixed; boundary=a"),
           std::string("application/json"),
           std::string(""),
           std::string("multipart/form-data; boundary=\"a\\\x01\""),
       }) {
    EXPECT_FALSE(MultipartBoundary(type).ok()) << type;
  }
  EXPECT_TRUE(IsMultipartFormData("multipart/form-data; boundary=a"));
  EXPECT_TRUE(IsMultipartFormData("MULTIPART/FORM-DATA"));
  EXPECT_FALSE(IsMultipartFormData("multipart/form-datax; boundary=a"));
  EXPECT_FALSE(IsMultipartFormData("text/plain"));
}

TEST(MultipartParseTest, ReadsOneFilePartExactly) {
  constexpr char kData[] = "\x89PNG\r\n\x1a\n\0\0binary--XY\r\n--XY";
  const std::string data(kData, sizeof(kData) - 1);
  const std::string body = Body({FilePart("file", data)});
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 1u);
  const MultipartPart& p = (*parts)[0];
  EXPECT_EQ(p.name, "file");
  EXPECT_EQ(p.filename, "a.png");
  EXPECT_EQ(p.content_type, "image/png");
  EXPECT_EQ(p.data, data);
  ASSERT_EQ(p.headers.size(), 2u);
  EXPECT_EQ(p.headers[0].first, "Content-Disposition");
  EXPECT_EQ(FindPart(*parts, "file"), &p);
  EXPECT_EQ(FindPart(*parts, "other"), nullptr);
}

TEST(MultipartParseTest, ReadsWhatTheGatewayBuilderWrites) {
  const std::string content(70000, '\xff');
  auto built = jumio_gateway::jumio::BuildFileUpload(
      "file", "front \"x\".jpg", "image/jpeg", content,
      [] { return std::string("0123456789abcdef"); });
  auto parts = ParseMultipart(built.content_type, built.body);
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 1u);
  EXPECT_EQ((*parts)[0].name, "file");
  EXPECT_EQ((*parts)[0].content_type, "image/jpeg");
  EXPECT_EQ((*parts)[0].data, content);
}

TEST(MultipartParseTest, SeveralPartsPreambleEpilogueAndPadding) {
  const std::string body = absl::StrCat(
      "preamble text\r\n--XYZ \t\r\n",
      "Content-Disposition: form-data; name=\"meta\"\r\n\r\n{\"a\":1}",
      "\r\n--XYZ\r\n", FilePart("file", "abc"), "\r\n--XYZ\r\n",
      "content-disposition: FORM-DATA; name=empty; filename=\"\"\r\n\r\n",
      "\r\n--XYZ-- \r\nepilogue --XYZ garbage");
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.status();
  ASSERT_EQ(parts->size(), 3u);
  EXPECT_EQ((*parts)[0].name, "meta");
  EXPECT_EQ((*parts)[0].data, "{\"a\":1}");
  EXPECT_EQ((*parts)[0].content_type, "");
  EXPECT_EQ((*parts)[1].data, "abc");
  EXPECT_EQ((*parts)[2].name, "empty");
  EXPECT_EQ((*parts)[2].data, "");
  // Close delimiter at the very end without CRLF, quoted-pair in a name.
  auto tight = ParseMultipart(
      kType,
      "--XYZ\r\nContent-Disposition: form-data; name=\"f\\\"q\"\r\n\r\nv\r\n"
      "--XYZ--");
  ASSERT_TRUE(tight.ok()) << tight.status();
  EXPECT_EQ((*tight)[0].name, "f\"q");
  EXPECT_EQ((*tight)[0].data, "v");
}

TEST(MultipartParseTest, RefusesTruncatedBodies) {
  const std::string whole = Body({FilePart("file", "0123456789")});
  // Every proper prefix of a valid body is refused, never read as a shorter
  // upload; only the final CRLF after the close delimiter is optional.
  for (size_t n = 0; n < whole.size(); ++n) {
    const std::string prefix = whole.substr(0, n);
    EXPECT_EQ(ParseMultipart(kType, prefix).ok(), n == whole.size() - 2)
        << n << ": " << prefix;
  }
  EXPECT_TRUE(ParseMultipart(kType, whole).ok());
  // The sandbox API test's case: headers and a few bytes, no boundary after.
  EXPECT_EQ(
      Code(kType,
           "--XYZ\r\nContent-Disposition: form-data; name=\"file\"; "
           "filename=\"a.png\"\r\nContent-Type: image/png\r\n\r\n\x89PNG"),
      absl::StatusCode::kInvalidArgument);
}

TEST(MultipartParseTest, RefusesMalformedFraming) {
  const std::string part = FilePart("file", "x");
  for (const std::string& body : {
           std::string("no delimiter at all"),
           std::string("--XYZ--\r\n"),                    // no parts
           absl::StrCat("--XYZ\n", part, "\r\n--XYZ--"),  // bare LF
           absl::StrCat("--XYZ\r\n", part, "\n--XYZ--"),
           absl::StrCat("--XYZX\r\n", part, "\r\n--XYZ--"),
           absl::StrCat("--XYZ\r\n", part, "\r\n--XYZtail\r\n--XYZ--"),
           absl::StrCat("--XYZ\r\n", part, "\r\n--XYZ--tail"),
           absl::StrCat("--XYZ\r\n", part, "\r\n--XYZ"),
           absl::StrCat("--XYZ\r\n", part, "\r\n--XYZ  "),
       }) {
    EXPECT_EQ(Code(kType, body), absl::StatusCode::kInvalidArgument) << body;
  }
  EXPECT_EQ(Code("multipart/form-data", Body({part})),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(Code("application/json", Body({part})),
            absl::StatusCode::kInvalidArgument);
}

TEST(MultipartParseTest, RefusesMalformedPartHeaders) {
  for (const std::string& headers : {
           std::string("Content-Type: image/png\r\n\r\n"),  // no disposition
           std::string("Content-Disposition: attachment; name=f\r\n\r\n"),
           std::string("Content-Disposition: form-data\r\n\r\n"),
           std::string("Content-Disposition: form-data; name=\"\"\r\n\r\n"),
           std::string("Content-Disposition: form-data; name=\"f\r\n\r\n"),
           std::string("Content-Disposition: form-data; name=f; name=g\r\n"
                       "\r\n"),
           std::string("Content-Disposition: form-data; name=f\r\n"
                       "Content-Disposition: form-data; name=g\r\n\r\n"),
           std::string("Content-Disposition: form-data; name=f\r\n"
                       "Content-Type: a/b\r\nContent-Type: c/d\r\n\r\n"),
           std::string("Content-Disposition: form-data;\r\n name=f\r\n\r\n"),
           std::string("Content-Disposition form-data; name=f\r\n\r\n"),
           std::string(": form-data; name=f\r\n\r\n"),
           std::string("Bad Name: x\r\nContent-Disposition: form-data; "
                       "name=f\r\n\r\n"),
           std::string("Content-Disposition: form-data; name=f\0\r\n\r\n", 43),
           std::string("Content-Disposition: form-data; name=f\rx\r\n\r\n"),
           std::string("Content-Disposition: form-data; name=f\r\n"
                       "Content-Transfer-Encoding: base64\r\n\r\n"),
       }) {
    const std::string body =
        absl::StrCat("--XYZ\r\n", headers, "data", "\r\n--XYZ--\r\n");
    EXPECT_EQ(Code(kType, body), absl::StatusCode::kInvalidArgument) << headers;
  }
  // Identity transfer encodings are accepted.
  EXPECT_TRUE(
      ParseMultipart(kType, Body({"Content-Disposition: form-data; name=f\r\n"
                                  "Content-Transfer-Encoding: binary\r\n\r\n"
                                  "x"}))
          .ok());
}

TEST(MultipartParseTest, EnforcesPartAndHeaderCaps) {
  MultipartLimits limits;
  limits.max_parts = 3;
  limits.max_header_bytes = 200;
  std::vector<std::string> parts(3, FilePart("file", "x"));
  EXPECT_TRUE(ParseMultipart(kType, Body(parts), limits).ok());
  parts.push_back(FilePart("file", "x"));
  EXPECT_EQ(Code(kType, Body(parts), limits),
            absl::StatusCode::kInvalidArgument);
  // A header block of exactly the cap passes; one byte more does not.
  auto block = [](size_t size) {
    std::string h = "Content-Disposition: form-data; name=f\r\nX-Pad: ";
    h.append(size - h.size() - 4, 'p');
    return h + "\r\n\r\n";
  };
  ASSERT_EQ(block(200).size(), 200u);
  EXPECT_TRUE(ParseMultipart(kType, Body({block(200) + "x"}), limits).ok());
  EXPECT_EQ(Code(kType, Body({block(201) + "x"}), limits),
            absl::StatusCode::kInvalidArgument);
  // A header line that never ends is refused at the cap, whatever follows.
  const std::string endless =
      absl::StrCat("--XYZ\r\nContent-Disposition: form-data; name=f; x=",
                   std::string(100000, 'a'), "\r\n\r\nv\r\n--XYZ--");
  EXPECT_EQ(Code(kType, endless, limits), absl::StatusCode::kInvalidArgument);
  // Many empty parts stop at the default cap.
  std::vector<std::string> many(
      17, "Content-Disposition: form-data; name=f\r\n\r\n");
  EXPECT_EQ(Code(kType, Body(many)), absl::StatusCode::kInvalidArgument);
  many.pop_back();
  EXPECT_TRUE(ParseMultipart(kType, Body(many)).ok());
}

TEST(MultipartParseTest, ErrorsNeverQuoteTheInput) {
  const std::string secret = "secret-token-value";
  for (const std::string& body : {
           absl::StrCat("--XYZ\r\nContent-Disposition: form-data; name=",
                        secret, "; bad\r\n\r\nx\r\n--XYZ--"),
           absl::StrCat("--XYZ\r\n", secret, "\r\n\r\nx\r\n--XYZ--"),
           absl::StrCat(secret, "--XYZ"),
       }) {
    auto r = ParseMultipart(kType, body);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().message().find(secret), absl::string_view::npos)
        << r.status();
  }
}

TEST(MultipartParseTest, BoundaryLookalikesInsideContentAreKept) {
  // CRLF followed by a different boundary prefix is content, not a delimiter.
  const std::string data = "a\r\n--XY\r\n-XYZ\r\n--XYz";
  // The parts view into the body, which therefore outlives them.
  const std::string body = Body({FilePart("file", data)});
  auto parts = ParseMultipart(kType, body);
  ASSERT_TRUE(parts.ok()) << parts.status();
  EXPECT_EQ((*parts)[0].data, data);
}

}  // namespace
}  // namespace jumio::sandbox
