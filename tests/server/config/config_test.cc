#include "server/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>

#include "tests/testing/small_stack.h"

namespace jumio_gateway::config {
namespace {

using ::testing::HasSubstr;

TEST(LoadConfigTest, DefaultsPointAtJumioProductionHosts) {
  absl::StatusOr<GatewayConfig> config = LoadConfig({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->default_region, "amer-1");
  EXPECT_EQ(config->auth_mode, AuthMode::kOAuth2);
  ASSERT_EQ(config->regions.size(), 3u);
  EXPECT_EQ(config->regions.at("emea-1").auth, "https://auth.emea-1.jumio.ai");
  EXPECT_EQ(config->regions.at("apac-1").For(HostKind::kRetrieval),
            "https://retrieval.apac-1.jumio.ai");
  EXPECT_EQ(config->regions.at("amer-1").status,
            "https://status.amer-1.jumio.ai");
}

TEST(LoadConfigTest, FlagsBeatEnvironmentWhichBeatsTheFile) {
  ConfigSources sources;
  sources.config_file_name = "gateway.json";
  sources.config_file_json =
      R"({"default_region": "apac-1", "user_agent": "from-file",
          "grpc_listen": "0.0.0.0:9000"})";
  sources.environment = {{"default_region", "emea-1"},
                         {"user_agent", "from-env"}};
  sources.flags = {{"user_agent", "from-flag"}};
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->user_agent, "from-flag");
  EXPECT_EQ(config->default_region, "emea-1");
  EXPECT_EQ(config->grpc_listen, "0.0.0.0:9000");
}

TEST(LoadConfigTest, TemplateThenPerRegionOverridesBuildEndpoints) {
  ConfigSources sources;
  sources.flags = {
      {"jumio_url_template", "http://127.0.0.1:8080/{region}/{kind}"}};
  sources.config_file_json =
      R"({"regions": {"emea-1": {"api": "https://api.example.test"}}})";
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->regions.at("amer-1").account,
            "http://127.0.0.1:8080/amer-1/account");
  EXPECT_EQ(config->regions.at("emea-1").api, "https://api.example.test");
  EXPECT_EQ(config->regions.at("emea-1").auth,
            "http://127.0.0.1:8080/emea-1/auth");
}

TEST(LoadConfigTest, ErrorsNameTheKeyAndItsSource) {
  struct Case {
    ConfigSources sources;
    std::string expected;
  };
  std::vector<Case> cases(6);
  cases[0].sources.flags = {{"default_region", "mars-1"}};
  cases[0].expected = "'default_region' (from flags)";
  cases[1].sources.environment = {{"grpc_listen", "no-port"}};
  cases[1].expected = "'grpc_listen' (from environment)";
  cases[2].sources.flags = {{"auth_mode", "kerberos"}};
  cases[2].expected = "must be oauth2 or basic";
  cases[3].sources.config_file_json = R"({"regions": {"mars-1": {}}})";
  cases[3].expected = "'regions.mars-1'";
  cases[4].sources.config_file_json = R"({"bogus": "x"})";
  cases[4].expected = "'bogus'";
  cases[5].sources.flags = {{"jumio_url_template", "https://jumio.ai/{kind}"}};
  cases[5].expected = "{region}";
  for (const Case& c : cases) {
    absl::StatusOr<GatewayConfig> config = LoadConfig(c.sources);
    ASSERT_FALSE(config.ok()) << c.expected;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(config.status().message(), HasSubstr(c.expected));
  }
}

TEST(LoadConfigTest, MalformedFileIsRejectedWithItsName) {
  ConfigSources sources;
  sources.config_file_name = "broken.json";
  sources.config_file_json = "{\"user_agent\": ";
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("broken.json"));
}

TEST(LoadConfigTest, DeeplyNestedFileIsRefusedNotACrash) {
  ConfigSources sources;
  sources.config_file_name = "deep.json";
  sources.config_file_json =
      R"({"regions": {"amer-1": )" + std::string(100000, '[');
  absl::StatusOr<GatewayConfig> config;
  ASSERT_TRUE(jumio_gateway::testing::RunOnSmallStack(
      [&] { config = LoadConfig(sources); }));
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("file deep.json"));
  EXPECT_THAT(config.status().message(), HasSubstr("nesting deeper than 64"));
}

TEST(LoadConfigTest, InvalidUtf8FileIsRefused) {
  ConfigSources sources;
  sources.config_file_name = "latin1.json";
  sources.config_file_json = "{\"user_agent\": \"caf\xe9\"}";
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("latin1.json"));
  EXPECT_THAT(config.status().message(), HasSubstr("Invalid encoding"));
}

TEST(LoadConfigTest, ExtensionKeysAreMergedButLeftForTheirOwners) {
  ConfigSources sources;
  sources.config_file_json = R"({"callback_store": "redis"})";
  sources.environment = {{"callback_store", "sqlite"}};
  sources.flags = {{"callback_listen_port", "0"}};
  absl::StatusOr<GatewayConfig> config =
      LoadConfig(sources, {"callback_store", "callback_listen_port"});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->extensions.at("callback_store"), "sqlite");
  EXPECT_EQ(config->extensions.at("callback_listen_port"), "0");
  EXPECT_FALSE(LoadConfig(sources).ok()) << "unknown without the extension";
}

TEST(LoadConfigTest, EveryKeyHasAnEnvironmentVariable) {
  EXPECT_EQ(EnvironmentVariableFor("default_region"),
            "JUMIO_GATEWAY_DEFAULT_REGION");
  EXPECT_THAT(ConfigKeys(), ::testing::Contains("client_secret_file"));
}

}  // namespace
}  // namespace jumio_gateway::config
