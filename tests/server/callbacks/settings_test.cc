#include "server/callbacks/settings.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "absl/strings/match.h"

namespace jumio_gateway::callbacks {
namespace {

std::map<std::string, std::string> Enabled() {
  return {{"callback_public_base_url", "https://cb.example.com"},
          {"callback_hmac_key_files", "/run/secrets/key"}};
}

TEST(CallbackSettingsTest, ReceiverCapsAndIdleTimeoutReachTheOptions) {
  auto settings = Enabled();
  settings["callback_max_connections"] = "8192";
  settings["callback_max_connections_per_source"] = "1024";
  settings["callback_idle_timeout"] = "5s";
  absl::StatusOr<CallbackOptions> o =
      CallbackOptionsFromSettings(settings, "amer-1");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_connections, 8192);
  EXPECT_EQ(o->max_connections_per_source, 1024);
  EXPECT_EQ(o->idle_timeout, absl::Seconds(5));
}

TEST(CallbackSettingsTest, DefaultsBoundTheReceiver) {
  absl::StatusOr<CallbackOptions> o =
      CallbackOptionsFromSettings(Enabled(), "amer-1");
  ASSERT_TRUE(o.ok()) << o.status();
  EXPECT_EQ(o->max_connections, 4096);
  EXPECT_EQ(o->max_connections_per_source, 256);
  EXPECT_EQ(o->idle_timeout, absl::Seconds(15));
}

TEST(CallbackSettingsTest, BadValuesNameTheirKey) {
  for (const auto& [key, value] : std::map<std::string, std::string>{
           {"callback_max_connections", "0"},
           {"callback_max_connections_per_source", "lots"},
           {"callback_idle_timeout", "-1s"}}) {
    auto settings = Enabled();
    settings[key] = value;
    absl::StatusOr<CallbackOptions> o =
        CallbackOptionsFromSettings(settings, "amer-1");
    ASSERT_FALSE(o.ok()) << key;
    EXPECT_TRUE(absl::StrContains(o.status().message(), key))
        << o.status().message();
  }
}

TEST(CallbackSettingsTest, NewKeysAreKnownKeys) {
  const std::vector<std::string>& keys = CallbackSettingKeys();
  for (const char* key :
       {"callback_max_connections", "callback_max_connections_per_source",
        "callback_idle_timeout"}) {
    EXPECT_NE(std::find(keys.begin(), keys.end(), key), keys.end()) << key;
  }
}

}  // namespace
}  // namespace jumio_gateway::callbacks
