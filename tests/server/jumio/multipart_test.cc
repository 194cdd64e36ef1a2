#include "server/jumio/multipart.h"

#include <gtest/gtest.h>

#include <string>

namespace jumio_gateway::jumio {
namespace {

std::string Fixed() { return "0123456789abcdef0123456789abcdef"; }

absl::Cord Pieces(const std::string& text, size_t piece) {
  absl::Cord cord;
  for (size_t offset = 0; offset < text.size(); offset += piece) {
    cord.Append(std::string(text.substr(offset, piece)));
  }
  return cord;
}

TEST(MultipartTest, CordBodyIsTheStringBodyWithoutCopyingTheContent) {
  const std::string content(200000, 'x');
  MultipartBody flat =
      BuildFileUpload("file", "front.jpg", "image/jpeg", content, Fixed);
  absl::Cord chunks = Pieces(content, 4096);
  MultipartCord cord =
      BuildFileUploadCord("file", "front.jpg", "image/jpeg", chunks, Fixed);
  EXPECT_EQ(cord.content_type, flat.content_type);
  EXPECT_EQ(std::string(cord.body), flat.body);
}

TEST(MultipartTest, ContainsFindsMatchesAcrossChunkBoundaries) {
  const std::string needle = "----jumio-gateway-boundary";
  for (size_t piece : {1u, 3u, 7u, 25u, 26u, 27u, 1000u}) {
    for (size_t at : {0u, 5u, 24u, 25u, 26u, 100u}) {
      std::string text(140, '.');
      text.replace(at, needle.size(), needle);
      SCOPED_TRACE(testing::Message() << "piece " << piece << " at " << at);
      EXPECT_TRUE(CordContains(Pieces(text, piece), needle));
      std::string broken = text;
      broken[at + needle.size() / 2] = '#';
      EXPECT_FALSE(CordContains(Pieces(broken, piece), needle));
    }
  }
}

TEST(MultipartTest, BoundaryFoundInTheContentIsReplaced) {
  int calls = 0;
  auto tokens = [&calls] {
    return ++calls == 1 ? std::string("AAAA") : std::string("BBBB");
  };
  const std::string content = "head ----jumio-gateway-AAAA tail";
  MultipartCord body = BuildFileUploadCord("file", "f.pdf", "application/pdf",
                                           Pieces(content, 5), tokens);
  EXPECT_EQ(body.content_type,
            "multipart/form-data; boundary=----jumio-gateway-BBBB");
}

}  // namespace
}  // namespace jumio_gateway::jumio
