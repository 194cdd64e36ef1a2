// The callback path's settings as the gateway's configuration carries them: raw
// strings keyed by flag name (callback_listen_port, ...), turned here into
// CallbackOptions with errors that name the key. Keeping the parsing beside
// CallbackOptions means the config module only has to know the key names.
#ifndef JUMIO_GATEWAY_SERVER_CALLBACKS_SETTINGS_H_
#define JUMIO_GATEWAY_SERVER_CALLBACKS_SETTINGS_H_

#include <map>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "server/callbacks/component.h"

namespace jumio_gateway::callbacks {

// Every key CallbackOptionsFromSettings understands.
const std::vector<std::string>& CallbackSettingKeys();

// Whether `settings` switch the callback path on: it needs at least a public
// base URL and an HMAC key file.
bool CallbacksEnabled(const std::map<std::string, std::string>& settings);

// Unset keys keep CallbackOptions' defaults. INVALID_ARGUMENT names the key.
absl::StatusOr<CallbackOptions> CallbackOptionsFromSettings(
    const std::map<std::string, std::string>& settings,
    const std::string& default_region);

}  // namespace jumio_gateway::callbacks

#endif  // JUMIO_GATEWAY_SERVER_CALLBACKS_SETTINGS_H_
