#include "server/jumio/codec/credential_codec.h"

#include <string>

#include "absl/strings/match.h"
#include "gmock/gmock.h"
#include "google/protobuf/util/time_util.h"
#include "gtest/gtest.h"
#include "tests/server/jumio/codec/codec_test_util.h"

namespace jumio_gateway::codec {
namespace {

namespace v1 = ::jumio::gateway::v1;
using ::google::protobuf::util::TimeUtil;
using ::jumio_gateway::codec::testing::JsonEquals;
using ::jumio_gateway::codec::testing::ReadTestdata;
using ::jumio_gateway::codec::testing::Reason;
using ::jumio_gateway::codec::testing::ViolationFields;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(PreparedDataTest, SampleReadsAndRoundTrips) {
  const std::string sample =
      ReadTestdata("prepared_data_upload_request_10005.json");
  absl::StatusOr<v1::PreparedData> data = ReadPreparedData(sample);
  ASSERT_TRUE(data.ok()) << data.status();
  EXPECT_EQ(data->suffix(), "Mr.");
  EXPECT_EQ(data->first_name(), "FIRSTNAME");
  EXPECT_EQ(data->middle_name(), "MIDDLENAME");
  EXPECT_EQ(data->last_name(), "LASTNAME");
  EXPECT_EQ(data->sex(), "M");
  EXPECT_EQ(data->date_of_birth(), "1985-01-01");
  EXPECT_EQ(data->social_security_number(), "111-11-1120");
  EXPECT_EQ(data->email(), "tmp@tmp.com");
  EXPECT_EQ(data->phone_number(), "+231-375-9663");
  EXPECT_EQ(data->personal_number(), "1234567890123456");
  EXPECT_EQ(data->address().line1(), "123 HIGHLAND DRIVE");
  EXPECT_EQ(data->address().line5(), "Line 5");
  EXPECT_EQ(data->address().postal_code(), "12345");
  EXPECT_EQ(data->address().city(), "CITY");
  EXPECT_EQ(data->address().subdivision(), "Indiana");
  EXPECT_EQ(data->address().country(), "BRA");
  EXPECT_EQ(data->id().id_number(), "ABCD12345");
  EXPECT_EQ(data->id().issuing_date(), "2014-02-20");
  EXPECT_EQ(data->id().expiry_date(), "2034-11-30");
  EXPECT_EQ(data->id().type(), "DRIVING_LICENSE");
  EXPECT_FALSE(data->has_additional_fields());

  absl::StatusOr<std::string> body = WritePreparedData(*data);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_TRUE(JsonEquals(sample, *body));
}

TEST(PreparedDataTest, OmitsEmptyFieldsAndFormattedAddressMergesExtras) {
  v1::PreparedData data;
  data.set_first_name("JANE");
  data.mutable_address()->set_formatted_address("1 Main St, Springfield");
  data.mutable_id();  // set but empty
  (*data.mutable_additional_fields()->mutable_fields())["nationality"]
      .set_string_value("AUT");
  absl::StatusOr<std::string> body = WritePreparedData(data);
  ASSERT_TRUE(body.ok()) << body.status();
  EXPECT_TRUE(
      JsonEquals(R"({"firstName": "JANE", "nationality": "AUT"})", *body));

  // And back: the unmodeled member returns in additional_fields.
  absl::StatusOr<v1::PreparedData> read = ReadPreparedData(*body);
  ASSERT_TRUE(read.ok());
  EXPECT_EQ(read->first_name(), "JANE");
  EXPECT_EQ(read->additional_fields().fields().at("nationality").string_value(),
            "AUT");
}

TEST(PreparedDataTest, RejectsCollisionsAndInvalidValues) {
  v1::PreparedData data;
  data.set_last_name("\xFF\xFE");
  auto& extra = *data.mutable_additional_fields()->mutable_fields();
  extra["firstName"].set_string_value("X");
  extra["score"].set_number_value(std::numeric_limits<double>::infinity());
  absl::StatusOr<std::string> body = WritePreparedData(data);
  EXPECT_EQ(body.status().code(), absl::StatusCode::kInvalidArgument);
  std::vector<std::string> fields = ViolationFields(body.status());
  EXPECT_THAT(fields, ::testing::UnorderedElementsAre(
                          "last_name", "additional_fields.firstName",
                          "additional_fields.score"));
  // No personal data in the message.
  EXPECT_THAT(std::string(body.status().message()), Not(HasSubstr("X\"")));
}

TEST(PartUploadResponseTest, FixedSampleNamesPartsByTheUploadedCredential) {
  absl::StatusOr<v1::UploadCredentialPartResponse> r = ReadPartUploadResponse(
      ReadTestdata("credential_part_upload_response.json"), "apac-1",
      "33333333-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  ASSERT_TRUE(r.ok()) << r.status();
  const std::string account =
      "regions/apac-1/accounts/11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  const std::string workflow =
      account + "/workflowExecutions/22222222-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  EXPECT_EQ(r->account(), account);
  EXPECT_EQ(r->account_id(), "11111111-xxxx-xxxx-xxxx-xxxxxxxxxxxx");
  EXPECT_EQ(TimeUtil::ToString(r->response_time()), "2021-03-05T13:17:49.042Z");
  EXPECT_EQ(r->workflow_execution().name(), workflow);
  EXPECT_TRUE(r->workflow_execution().credentials().empty());
  EXPECT_EQ(r->api().token(), "xxx");
  ASSERT_EQ(r->api().parts_size(), 2);
  // The sample's BACK URL names another account; the names follow the
  // response's own ids.
  EXPECT_EQ(r->api().parts(1).name(),
            workflow +
                "/credentials/33333333-xxxx-xxxx-xxxx-xxxxxxxxxxxx/"
                "parts/BACK");
  EXPECT_EQ(r->api().parts(1).classifier(), v1::CLASSIFIER_BACK);
  EXPECT_TRUE(absl::StartsWith(r->api().workflow_execution_uri(),
                               "https://api.apac-1.jumio.ai/"));
  EXPECT_TRUE(r->part().empty());
  EXPECT_EQ(r->size_bytes(), 0);
}

TEST(PartUploadResponseTest, FaceAndPreparedDataSamples) {
  absl::StatusOr<v1::UploadCredentialPartResponse> face =
      ReadPartUploadResponse(
          ReadTestdata("credential_part_upload_response_face_wf5.json"),
          "amer-1", "");
  ASSERT_TRUE(face.ok()) << face.status();
  ASSERT_EQ(face->api().parts_size(), 1);
  EXPECT_EQ(face->api().parts(0).classifier(), v1::CLASSIFIER_FACE);
  // Without a credential id, the one in the URL names the part.
  EXPECT_TRUE(absl::EndsWith(face->api().parts(0).name(),
                             "/credentials/33333333-3333-3333-bbbbbbbbbbbb/"
                             "parts/FACE"));

  absl::StatusOr<v1::UploadCredentialPartResponse> prepared =
      ReadPartUploadResponse(ReadTestdata("prepared_data_upload_response.json"),
                             "amer-1", "33333333-3333-3333-aaaaaaaaaaaa");
  ASSERT_TRUE(prepared.ok()) << prepared.status();
  EXPECT_TRUE(prepared->api().token().empty());
  ASSERT_EQ(prepared->api().parts_size(), 1);
  EXPECT_EQ(prepared->api().parts(0).classifier(),
            v1::CLASSIFIER_PREPARED_DATA);
}

TEST(PartUploadResponseTest, BrokenOriginalAndWrongTypesAreMalformed) {
  EXPECT_EQ(
      Reason(ReadPartUploadResponse(
                 ReadTestdata("broken/credential_part_upload_response.json"),
                 "apac-1", "c")
                 .status()),
      "UPSTREAM_MALFORMED");
  EXPECT_EQ(
      Reason(ReadPartUploadResponse(R"({"api": []})", "apac-1", "c").status()),
      "UPSTREAM_MALFORMED");
  EXPECT_EQ(
      Reason(ReadPartUploadResponse(R"({"account": {"id": 1}})", "apac-1", "c")
                 .status()),
      "UPSTREAM_MALFORMED");
  // Missing members are fine.
  absl::StatusOr<v1::UploadCredentialPartResponse> empty =
      ReadPartUploadResponse("{}", "apac-1", "c");
  ASSERT_TRUE(empty.ok());
  EXPECT_FALSE(empty->has_api());
  EXPECT_TRUE(empty->account().empty());
}

}  // namespace
}  // namespace jumio_gateway::codec
