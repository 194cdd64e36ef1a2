// The file through which a process started with port 0 tells its starter
// (tests, scripts/run.sh) which port it bound: the decimal port and a newline.
// Shared by the gateway's gRPC, admin and callback listeners and the sandbox.
#ifndef JUMIO_GATEWAY_SERVER_CORE_PORT_FILE_H_
#define JUMIO_GATEWAY_SERVER_CORE_PORT_FILE_H_

#include <string>

#include "absl/status/status.h"

namespace jumio_gateway::core {

// Writes `port` to a temporary file beside `path` (named after this process,
// so that two writers never share one) and renames it over `path`: a reader
// polling for the file sees nothing or the whole number, never a part.
// INTERNAL naming the file on failure.
absl::Status WritePortFile(const std::string& path, int port);

}  // namespace jumio_gateway::core

#endif  // JUMIO_GATEWAY_SERVER_CORE_PORT_FILE_H_
