#include "tests/server/jumio/codec/codec_test_util.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/errors/errors.h"

namespace jumio_gateway::codec::testing {
namespace {

constexpr char kTestdata[] = "tests/server/jumio/codec/testdata";

std::string Serialize(const rapidjson::Value& value) {
  rapidjson::StringBuffer buffer;
  rapidjson::Writer<rapidjson::StringBuffer> writer(buffer);
  value.Accept(writer);
  return buffer.GetString();
}

}  // namespace

std::string ReadTestdata(absl::string_view relative) {
  const std::string path = absl::StrCat(kTestdata, "/", relative);
  std::ifstream in(path, std::ios::binary);
  EXPECT_TRUE(in.good()) << "missing test data " << path;
  std::stringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

std::vector<std::string> ListTestdata(absl::string_view subdir,
                                      absl::string_view suffix) {
  std::vector<std::string> names;
  const std::filesystem::path dir =
      std::filesystem::path(kTestdata) / std::string(subdir);
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    const std::string name = entry.path().filename().string();
    if (absl::EndsWith(name, suffix))
      names.push_back(absl::StrCat(subdir, "/", name));
  }
  std::sort(names.begin(), names.end());
  return names;
}

::testing::AssertionResult JsonEquals(absl::string_view expected,
                                      absl::string_view actual) {
  rapidjson::Document a, b;
  a.Parse(expected.data(), expected.size());
  b.Parse(actual.data(), actual.size());
  if (a.HasParseError())
    return ::testing::AssertionFailure() << "expected is not JSON";
  if (b.HasParseError())
    return ::testing::AssertionFailure() << "actual is not JSON: " << actual;
  if (a == b) return ::testing::AssertionSuccess();
  return ::testing::AssertionFailure()
         << "JSON differs\nexpected: " << Serialize(a)
         << "\nactual:   " << Serialize(b);
}

std::vector<std::string> ViolationFields(const absl::Status& status) {
  std::vector<std::string> fields;
  auto bad_request = errors::GetBadRequest(status);
  if (!bad_request.has_value()) return fields;
  for (const auto& violation : bad_request->field_violations())
    fields.push_back(violation.field());
  return fields;
}

std::string Reason(const absl::Status& status) {
  auto info = errors::GetErrorInfo(status);
  return info.has_value() ? info->reason() : "";
}

std::string WithStringMember(absl::string_view json, absl::string_view name,
                             absl::string_view value) {
  rapidjson::Document doc;
  doc.Parse(json.data(), json.size());
  EXPECT_TRUE(doc.IsObject());
  rapidjson::Value key(name.data(),
                       static_cast<rapidjson::SizeType>(name.size()),
                       doc.GetAllocator());
  rapidjson::Value string(value.data(),
                          static_cast<rapidjson::SizeType>(value.size()),
                          doc.GetAllocator());
  auto it = doc.FindMember(key);
  if (it != doc.MemberEnd()) {
    it->value = string;
  } else {
    doc.AddMember(key, string, doc.GetAllocator());
  }
  return Serialize(doc);
}

}  // namespace jumio_gateway::codec::testing
