#include "server/config/config.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "tests/testing/small_stack.h"

namespace jumio_gateway::config {
namespace {

using jumio::HostKind;
using ::testing::HasSubstr;
using ::testing::Not;

TEST(LoadConfigTest, DefaultsPointAtJumioProductionHosts) {
  absl::StatusOr<GatewayConfig> config = LoadConfig({});
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->jumio.default_region, "amer-1");
  EXPECT_EQ(config->jumio.auth_mode, AuthMode::kOAuth2);
  ASSERT_EQ(config->jumio.hosts.regions.size(), 3u);
  EXPECT_EQ(config->jumio.hosts.regions.at("emea-1").auth,
            "https://auth.emea-1.jumio.ai");
  EXPECT_EQ(config->jumio.hosts.regions.at("apac-1").For(HostKind::kRetrieval),
            "https://retrieval.apac-1.jumio.ai");
  EXPECT_EQ(config->jumio.hosts.regions.at("amer-1").status,
            "https://status.amer-1.jumio.ai");
}

TEST(LoadConfigTest, FlagsBeatEnvironmentWhichBeatsTheFile) {
  ConfigSources sources;
  sources.config_file_name = "gateway.json";
  sources.config_file_json =
      R"({"default_region": "apac-1", "user_agent": "from-file",
          "grpc_listen": "0.0.0.0:9000", "insecure_allow_plaintext": true,
          "insecure_allow_all_callers": true})";
  sources.environment = {{"default_region", "emea-1"},
                         {"user_agent", "from-env"}};
  sources.flags = {{"user_agent", "from-flag"}};
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->jumio.hosts.user_agent, "from-flag");
  EXPECT_EQ(config->jumio.default_region, "emea-1");
  EXPECT_EQ(config->grpc.listen, "0.0.0.0:9000");
}

TEST(LoadConfigTest, TemplateThenPerRegionOverridesBuildEndpoints) {
  ConfigSources sources;
  sources.flags = {
      {"jumio_url_template", "http://127.0.0.1:8080/{region}/{kind}"}};
  sources.config_file_json =
      R"({"regions": {"emea-1": {"api": "https://api.example.test"}}})";
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->jumio.hosts.regions.at("amer-1").account,
            "http://127.0.0.1:8080/amer-1/account");
  EXPECT_EQ(config->jumio.hosts.regions.at("emea-1").api,
            "https://api.example.test");
  EXPECT_EQ(config->jumio.hosts.regions.at("emea-1").auth,
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

TEST(LoadConfigTest, CallbackSettingsAreTypedWithTheSamePrecedence) {
  ConfigSources sources;
  sources.config_file_json =
      R"({"callback_store": "redis", "callback_max_connections": 8192,
          "callback_require_token": false})";
  sources.environment = {{"callback_store", "sqlite"},
                         {"callback_idle_timeout", "5s"}};
  sources.flags = {{"callback_listen_port", "0"},
                   {"callback_hmac_key_files", " /a, /b ,"}};
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->callbacks.store, "sqlite");
  EXPECT_EQ(config->callbacks.listen_port, 0);
  EXPECT_EQ(config->callbacks.max_connections, 8192);
  EXPECT_FALSE(config->callbacks.require_token);
  EXPECT_EQ(config->callbacks.idle_timeout, absl::Seconds(5));
  EXPECT_EQ(config->callbacks.hmac_key_files,
            (std::vector<std::string>{"/a", "/b"}));
  EXPECT_FALSE(config->callbacks_enabled()) << "no public base URL";
}

TEST(LoadConfigTest, CallbacksRunOnlyWithABaseUrlAndAKey) {
  ConfigSources sources;
  sources.flags = {{"callback_public_base_url", "https://cb.example.com/"},
                   {"callback_hmac_key_files", "/run/secrets/key"}};
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->callbacks_enabled());
  EXPECT_EQ(config->callbacks.public_base_url, "https://cb.example.com");
  // Defaults that bound the receiver.
  EXPECT_EQ(config->callbacks.max_connections, 4096);
  EXPECT_EQ(config->callbacks.max_connections_per_source, 256);
  EXPECT_EQ(config->callbacks.idle_timeout, absl::Seconds(15));
}

TEST(LoadConfigTest, BadCallbackValuesNameTheirKey) {
  for (const auto& [key, value] : std::map<std::string, std::string>{
           {"callback_max_connections", "0"},
           {"callback_max_connections_per_source", "lots"},
           {"callback_idle_timeout", "-1s"},
           {"callback_store", "postgres"},
           {"callback_public_base_url", "cb.example.com"},
           {"callback_hmac_key_files", ","}}) {
    ConfigSources sources;
    sources.flags = {{key, value}};
    absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
    ASSERT_FALSE(config.ok()) << key;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(config.status().message(), HasSubstr("'" + key + "'"));
  }
}

TEST(LoadConfigTest, RateLimitsDefaultToJumiosAndFollowTheCallbackStore) {
  absl::StatusOr<GatewayConfig> defaults = LoadConfig({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  EXPECT_TRUE(defaults->rate_limits.enabled);
  EXPECT_EQ(defaults->rate_limits.limits.account_write.per_second, 1);
  EXPECT_EQ(defaults->rate_limits.limits.account_write.burst, 2);
  EXPECT_EQ(defaults->rate_limits.limits.retrieval.per_second, 15);
  EXPECT_TRUE(defaults->rate_limits.limits.other.unlimited());
  EXPECT_FALSE(defaults->rate_limits_in_redis());

  ConfigSources sources;
  sources.config_file_json =
      R"({"callback_store": "redis", "upstream_rate_account_write": "0.5",
          "upstream_rate_retrieval_burst": 5, "upstream_rate_queue": 7,
          "upstream_rate_replicas": 3})";
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->rate_limits.limits.account_write.per_second, 0.5);
  EXPECT_EQ(config->rate_limits.limits.retrieval.burst, 5);
  EXPECT_EQ(config->rate_limits.limits.max_queue, 7);
  EXPECT_EQ(config->rate_limits.replicas, 3);
  EXPECT_TRUE(config->rate_limits_in_redis()) << "auto follows the store";
  sources.flags = {{"upstream_rate_store", "memory"}};
  config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_FALSE(config->rate_limits_in_redis());
}

TEST(LoadConfigTest, BadRateLimitValuesNameTheirKey) {
  for (const auto& [key, value] :
       std::map<std::string, std::string>{{"upstream_rate_account_write", "-1"},
                                          {"upstream_rate_retrieval", "fast"},
                                          {"upstream_rate_other_burst", "0"},
                                          {"upstream_rate_store", "etcd"},
                                          {"upstream_rate_replicas", "0"}}) {
    ConfigSources sources;
    sources.flags = {{key, value}};
    absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
    ASSERT_FALSE(config.ok()) << key;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(config.status().message(), HasSubstr("'" + key + "'"));
  }
}

TEST(LoadConfigTest, UpstreamConnectionCapsAreSettingsSizedForLoad) {
  absl::StatusOr<GatewayConfig> defaults = LoadConfig({});
  ASSERT_TRUE(defaults.ok()) << defaults.status();
  // Far above the old fixed 64 (2 threads x 32), which held a 300 ms
  // upstream to 213 completions/s.
  EXPECT_EQ(defaults->jumio.upstream_max_connections_per_host, 1024);
  EXPECT_EQ(defaults->jumio.upstream_max_connections, 4096);

  ConfigSources sources;
  sources.flags = {{"upstream_max_connections_per_host", "8"},
                   {"upstream_max_connections", "16"}};
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->jumio.upstream_max_connections_per_host, 8);
  EXPECT_EQ(config->jumio.upstream_max_connections, 16);

  for (const auto& [key, value] : std::map<std::string, std::string>{
           {"upstream_max_connections_per_host", "0"},
           {"upstream_max_connections", "-3"},
           {"upstream_max_connections", "many"}}) {
    sources.flags = {{key, value}};
    config = LoadConfig(sources);
    ASSERT_FALSE(config.ok()) << key << "=" << value;
    EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_THAT(config.status().message(), HasSubstr("'" + key + "'"));
  }
}

TEST(LoadConfigTest, MisspeltKeyInTheFileIsRefusedByName) {
  ConfigSources sources;
  sources.config_file_name = "gateway.json";
  sources.config_file_json = R"({"callback_stor": "redis"})";
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("'callback_stor'"));
  EXPECT_THAT(config.status().message(), HasSubstr("gateway.json"));
}

// Secrets at rest (issue 17): replicas sharing a Redis store must open each
// other's sealed records, so they need the same key files.
TEST(LoadConfigTest, ARedisCallbackStoreNeedsStorageKeyFiles) {
  ConfigSources sources;
  sources.flags = {
      {"callback_public_base_url", "https://callbacks.example.com"},
      {"callback_hmac_key_files", "/run/secrets/hmac"},
      {"callback_store", "redis"}};
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(config.status().message(), HasSubstr("storage_key_files"));

  sources.flags["storage_key_files"] = "/run/secrets/k2, /run/secrets/k1";
  config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->storage_key_files,
            (std::vector<std::string>{"/run/secrets/k2", "/run/secrets/k1"}));

  // One replica on SQLite may run without them (a random key per process).
  sources.flags.erase("storage_key_files");
  sources.flags["callback_store"] = "sqlite";
  EXPECT_TRUE(LoadConfig(sources).ok());
  // Only commas is a mistake, not "unset".
  sources.flags["storage_key_files"] = ",";
  config = LoadConfig(sources);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("storage_key_files"));
}

TEST(SettingsFromEnvironmentTest, MapsVariablesBackToNames) {
  absl::StatusOr<Settings> settings = SettingsFromEnvironment(
      {"PATH=/bin", "JUMIO_GATEWAY_DEFAULT_REGION=emea-1",
       "JUMIO_GATEWAY_CALLBACK_STORE=redis",
       "JUMIO_GATEWAY_USER_AGENT=", "JUMIO_GATEWAY_CONFIG=/etc/gateway.json"});
  ASSERT_TRUE(settings.ok()) << settings.status();
  EXPECT_EQ(*settings, (Settings{{"default_region", "emea-1"},
                                 {"callback_store", "redis"}}));
}

TEST(SettingsFromEnvironmentTest, MisspeltVariableIsRefusedByName) {
  absl::StatusOr<Settings> settings =
      SettingsFromEnvironment({"JUMIO_GATEWAY_DEFAULT_REGOIN=emea-1"});
  ASSERT_FALSE(settings.ok());
  EXPECT_EQ(settings.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(settings.status().message(),
              HasSubstr("JUMIO_GATEWAY_DEFAULT_REGOIN"));
  EXPECT_THAT(settings.status().message(), Not(HasSubstr("emea-1")));
}

TEST(ReadSourcesTest, FileFromTheFlagOrElseFromTheEnvironment) {
  const std::string dir = ::testing::TempDir();
  const std::string flag_file = dir + "/flag.json";
  const std::string env_file = dir + "/env.json";
  std::ofstream(flag_file) << R"({"default_region": "apac-1"})";
  std::ofstream(env_file) << R"({"default_region": "emea-1"})";
  const std::vector<std::string> environ = {std::string(kConfigFileVariable) +
                                            "=" + env_file};

  absl::StatusOr<ConfigSources> sources =
      ReadSources({{"user_agent", "ua/1"}}, environ, flag_file);
  ASSERT_TRUE(sources.ok()) << sources.status();
  EXPECT_EQ(sources->config_file_name, flag_file);
  EXPECT_EQ(sources->flags.at("user_agent"), "ua/1");
  absl::StatusOr<GatewayConfig> config = LoadConfig(*sources);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->jumio.default_region, "apac-1");

  sources = ReadSources({}, environ, "");
  ASSERT_TRUE(sources.ok()) << sources.status();
  EXPECT_EQ(sources->config_file_name, env_file);

  sources = ReadSources({}, {}, dir + "/missing.json");
  ASSERT_FALSE(sources.ok());
  EXPECT_THAT(sources.status().message(), HasSubstr("missing.json"));
}

std::vector<char*> Argv(std::vector<std::string>& args) {
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  return argv;
}

TEST(TakeSettingFlagsTest, TakesSettingsAndLeavesTheRest) {
  std::vector<std::string> args = {"jumio-gateway",
                                   "--default_region=emea-1",
                                   "--config=/x.json",
                                   "-user_agent",
                                   "ua/1",
                                   "--port_file=",
                                   "--check_config",
                                   "--",
                                   "--grpc_listen=a:1"};
  std::vector<char*> argv = Argv(args);
  absl::StatusOr<Settings> flags = TakeSettingFlags(argv);
  ASSERT_TRUE(flags.ok()) << flags.status();
  EXPECT_EQ(*flags,
            (Settings{{"default_region", "emea-1"}, {"user_agent", "ua/1"}}));
  std::vector<std::string> rest;
  for (char* arg : argv) rest.push_back(arg == nullptr ? "<null>" : arg);
  EXPECT_EQ(rest, (std::vector<std::string>{"jumio-gateway", "--config=/x.json",
                                            "--check_config", "--",
                                            "--grpc_listen=a:1", "<null>"}));
}

TEST(TakeSettingFlagsTest, FlagWithoutItsValueIsRefused) {
  std::vector<std::string> args = {"jumio-gateway", "--grpc_listen"};
  std::vector<char*> argv = Argv(args);
  absl::StatusOr<Settings> flags = TakeSettingFlags(argv);
  ASSERT_FALSE(flags.ok());
  EXPECT_THAT(flags.status().message(), HasSubstr("--grpc_listen"));
}

TEST(ConfigTableTest, EveryEntryIsAFlagAVariableAndAKeyWithHelp) {
  ASSERT_GE(ConfigTable().size(), 40u);
  for (const ConfigEntry& entry : ConfigTable()) {
    EXPECT_FALSE(entry.help.empty()) << entry.name;
    EXPECT_FALSE(entry.type.empty()) << entry.name;
    EXPECT_EQ(FindConfigEntry(entry.name), &entry)
        << "duplicate " << entry.name;
    // Flag.
    std::vector<std::string> args = {"jumio-gateway", "--" + entry.name + "=x"};
    std::vector<char*> argv = Argv(args);
    absl::StatusOr<Settings> flags = TakeSettingFlags(argv);
    ASSERT_TRUE(flags.ok()) << entry.name;
    EXPECT_EQ(flags->count(entry.name), 1u) << entry.name;
    // Environment variable.
    absl::StatusOr<Settings> env =
        SettingsFromEnvironment({EnvironmentVariableFor(entry.name) + "=x"});
    ASSERT_TRUE(env.ok()) << entry.name;
    EXPECT_EQ(env->count(entry.name), 1u) << entry.name;
    // JSON key: known (a bad value, not an unknown key).
    ConfigSources sources;
    sources.config_file_json = "{\"" + entry.name + "\": []}";
    absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
    ASSERT_FALSE(config.ok());
    EXPECT_THAT(config.status().message(), HasSubstr("must be a string"))
        << entry.name;
  }
  EXPECT_EQ(EnvironmentVariableFor("default_region"),
            "JUMIO_GATEWAY_DEFAULT_REGION");
}

TEST(ConfigTableTest, EveryDefaultParsesBackToItself) {
  const GatewayConfig defaults;
  for (const ConfigEntry& entry : ConfigTable()) {
    const std::string value = entry.get(defaults);
    GatewayConfig config;
    EXPECT_TRUE(entry.set(value, config).ok()) << entry.name << "=" << value;
    EXPECT_EQ(entry.get(config), value) << entry.name;
  }
}

TEST(ConfigTableTest, EveryValueSetIsTheValueRead) {
  // A setter that wrote the wrong field would leave get() at the default.
  ConfigSources sources;
  sources.flags = {{"grpc_listen", "0.0.0.0:1"},
                   {"admin_listen", "0.0.0.0:2"},
                   {"callback_read_timeout", "7s"},
                   {"callback_body_timeout", "8s"},
                   {"callback_retention", "9h"},
                   {"callback_binding_retention", "90h"},
                   {"callback_retention_interval", "3m"},
                   {"callback_ack_deadline", "11s"},
                   {"max_image_bytes", "12"},
                   {"max_pdf_bytes", "13"},
                   {"insecure_allow_plaintext", "true"},
                   {"insecure_allow_all_callers", "true"},
                   {"caller_tokens_file", "/tokens"}};
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_TRUE(config.ok()) << config.status();
  for (const auto& [name, value] : sources.flags) {
    EXPECT_EQ(FindConfigEntry(name)->get(*config), value) << name;
  }
}

// The start-up rule of caller security, so that --check_config catches it.
TEST(LoadConfigTest, ANonLoopbackGrpcAddressNeedsTlsAndACallerPolicy) {
  ConfigSources sources;
  sources.flags = {{"grpc_listen", "0.0.0.0:50051"}};
  absl::StatusOr<GatewayConfig> config = LoadConfig(sources);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("insecure_allow_plaintext"));
  sources.flags["grpc_tls_cert_file"] = "/tls.crt";
  sources.flags["grpc_tls_key_file"] = "/tls.key";
  config = LoadConfig(sources);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("caller_policy_file"));
  sources.flags["caller_policy_file"] = "/policy.json";
  EXPECT_TRUE(LoadConfig(sources).ok());
  sources.flags.erase("grpc_tls_key_file");
  config = LoadConfig(sources);
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("go together"));
  // Loopback: the local default, plaintext and every caller allowed.
  ConfigSources local;
  local.flags = {{"grpc_listen", "127.0.0.1:50051"}};
  EXPECT_TRUE(LoadConfig(local).ok());
}

TEST(ConfigTableTest, HelpListsEveryFlagWithItsDefault) {
  const std::string help = SettingsHelp();
  for (const ConfigEntry& entry : ConfigTable()) {
    EXPECT_THAT(help, HasSubstr("--" + entry.name + "=")) << entry.name;
    EXPECT_THAT(help, HasSubstr(EnvironmentVariableFor(entry.name)));
  }
  EXPECT_THAT(help, HasSubstr("default: 127.0.0.1:50051"));
  EXPECT_THAT(help, HasSubstr("default: 5m"));
}

}  // namespace
}  // namespace jumio_gateway::config
