// The caller policy, the tokens table, the method table and the start-up
// exposure rule.
#include <dirent.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/match.h"
#include "google/protobuf/descriptor.h"
#include "jumio/gateway/v1/account.grpc.pb.h"
#include "server/security/guard.h"
#include "server/security/methods.h"
#include "server/security/policy.h"
#include "server/security/tokens.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::security {
namespace {

TEST(GlobMatchTest, StarMatchesAnyRun) {
  EXPECT_TRUE(GlobMatch("*", "a.B/C"));
  EXPECT_TRUE(GlobMatch("jumio.gateway.v1.AccountService/*",
                        "jumio.gateway.v1.AccountService/GetAccount"));
  EXPECT_FALSE(GlobMatch("jumio.gateway.v1.AccountService/*",
                         "jumio.gateway.v1.CredentialService/GetAccount"));
  EXPECT_TRUE(GlobMatch("*/Get*", "x.Y/GetWorkflowExecution"));
  EXPECT_FALSE(GlobMatch("*/Get*", "x.Y/DeleteAccount"));
  EXPECT_FALSE(GlobMatch("a", "ab"));
  EXPECT_TRUE(GlobMatch("a**b", "ab"));
}

TEST(PolicyTest, ParsesRulesAndDeniesByDefault) {
  absl::StatusOr<Policy> policy = Policy::Parse(R"({"callers": {
      "app": {"methods": ["x.S/*"], "regions": ["emea-1"],
              "personal_data": true},
      "ops": {"methods": ["*"], "regions": ["*"]}}})");
  ASSERT_TRUE(policy.ok()) << policy.status();
  EXPECT_FALSE(policy->allow_all());
  EXPECT_EQ(policy->Find("nobody"), nullptr);
  const CallerRule* app = policy->Find("app");
  ASSERT_NE(app, nullptr);
  EXPECT_TRUE(app->AllowsMethod("x.S/M"));
  EXPECT_FALSE(app->AllowsMethod("x.T/M"));
  EXPECT_TRUE(app->AllowsRegion("emea-1"));
  EXPECT_FALSE(app->AllowsRegion("amer-1"));
  EXPECT_FALSE(app->AllowsRegion("*")) << "an unfiltered feed spans regions";
  EXPECT_TRUE(app->personal_data);
  const CallerRule* ops = policy->Find("ops");
  ASSERT_NE(ops, nullptr);
  EXPECT_TRUE(ops->AllowsRegion("*"));
  EXPECT_FALSE(ops->personal_data) << "personal data is opt-in";
}

TEST(PolicyTest, RefusesWhatItDoesNotUnderstand) {
  for (const char* bad :
       {"[]", "{}", R"({"callers": []})", R"({"callers": {}, "x": 1})",
        R"({"callers": {"a": {"method": ["*"]}}})",
        R"({"callers": {"a": {"methods": "*"}}})",
        R"({"callers": {"a": {"personal_data": "yes"}}})",
        R"({"callers": {"a": {"regions": [""]}}})", "{"}) {
    EXPECT_FALSE(Policy::Parse(bad).ok()) << bad;
  }
}

TEST(TokenTableTest, FindsTheCallerByTheTokensDigest) {
  absl::StatusOr<TokenTable> table = TokenTable::Parse(absl::StrCat(
      "# comment\n\n", "alpha ", Sha256Hex("secret-1"), "\n", "beta\t",
      Sha256Hex("secret-2"), "\n", "alpha ", Sha256Hex("secret-3"), "\n"));
  ASSERT_TRUE(table.ok()) << table.status();
  EXPECT_EQ(table->size(), 3u);
  EXPECT_EQ(table->Find("secret-1"), "alpha");
  EXPECT_EQ(table->Find("secret-2"), "beta");
  EXPECT_EQ(table->Find("secret-3"), "alpha");
  EXPECT_EQ(table->Find("secret-4"), std::nullopt);
  EXPECT_EQ(table->Find(""), std::nullopt);
}

TEST(TokenTableTest, ErrorsNameTheLineNeverItsContent) {
  absl::StatusOr<TokenTable> table =
      TokenTable::Parse("ok " + Sha256Hex("x") + "\nbad my-plain-token\n");
  ASSERT_FALSE(table.ok());
  EXPECT_TRUE(absl::StrContains(table.status().message(), "line 2"));
  EXPECT_FALSE(absl::StrContains(table.status().message(), "my-plain-token"));
}

// Every method of every service in proto/jumio/gateway/v1 has a row in the
// method table, so a new RPC cannot ship without an access class.
TEST(MethodTableTest, EveryMethodOfTheApiIsClassified) {
  // Links the generated descriptors.
  ASSERT_NE(::jumio::gateway::v1::AccountService::service_full_name(), nullptr);
  const std::string dir =
      ::jumio::testing::RunfilePath("proto/jumio/gateway/v1");
  DIR* d = opendir(dir.c_str());
  ASSERT_NE(d, nullptr) << dir;
  int methods = 0;
  std::vector<std::string> files;
  while (dirent* entry = readdir(d)) {
    std::string name = entry->d_name;
    if (absl::EndsWith(name, ".proto")) files.push_back(name);
  }
  closedir(d);
  ASSERT_GE(files.size(), 5u);
  const auto* pool = google::protobuf::DescriptorPool::generated_pool();
  for (const std::string& file : files) {
    const google::protobuf::FileDescriptor* descriptor =
        pool->FindFileByName("jumio/gateway/v1/" + file);
    ASSERT_NE(descriptor, nullptr) << file;
    for (int s = 0; s < descriptor->service_count(); ++s) {
      const auto* service = descriptor->service(s);
      for (int m = 0; m < service->method_count(); ++m) {
        const std::string full = absl::StrCat("/", service->full_name(), "/",
                                              service->method(m)->name());
        EXPECT_TRUE(ClassifyMethod(full).has_value())
            << full << " has no row in server/security/methods.cc";
        ++methods;
      }
    }
  }
  EXPECT_GE(methods, 16);
  EXPECT_FALSE(ClassifyMethod("/x.Y/Z").has_value());
  EXPECT_EQ(ClassifyMethod("/grpc.health.v1.Health/Check"), Access::kOpen);
}

TEST(ExposureTest, OnlyLoopbackMayBePlaintextOrOpen) {
  EXPECT_TRUE(IsLoopbackListen("127.0.0.1:0"));
  EXPECT_TRUE(IsLoopbackListen("localhost:50051"));
  EXPECT_TRUE(IsLoopbackListen("[::1]:50051"));
  EXPECT_FALSE(IsLoopbackListen("0.0.0.0:50051"));
  EXPECT_FALSE(IsLoopbackListen("[::]:50051"));
  EXPECT_TRUE(CheckExposure("127.0.0.1:1", false, false, false, false).ok());
  EXPECT_FALSE(CheckExposure("0.0.0.0:1", false, true, false, false).ok());
  EXPECT_FALSE(CheckExposure("0.0.0.0:1", true, false, false, false).ok());
  EXPECT_TRUE(CheckExposure("0.0.0.0:1", true, true, false, false).ok());
  EXPECT_TRUE(CheckExposure("0.0.0.0:1", false, false, true, true).ok());
}

TEST(LoopbackPeerTest, ReadsGrpcPeerStrings) {
  EXPECT_TRUE(IsLoopbackPeer("ipv4:127.0.0.1:5000"));
  EXPECT_TRUE(IsLoopbackPeer("ipv6:[::1]:5000"));
  EXPECT_FALSE(IsLoopbackPeer("ipv4:10.0.0.1:5000"));
  EXPECT_FALSE(IsLoopbackPeer("ipv6:[2001:db8::1]:5000"));
}

}  // namespace
}  // namespace jumio_gateway::security
