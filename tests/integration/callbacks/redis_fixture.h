// A throwaway redis-server on loopback for one test: a free port chosen by
// binding port 0, AOF with appendfsync always (the durability the gateway
// needs), data in a temp dir. Stopped by PID.
#ifndef JUMIO_GATEWAY_TESTS_INTEGRATION_CALLBACKS_REDIS_FIXTURE_H_
#define JUMIO_GATEWAY_TESTS_INTEGRATION_CALLBACKS_REDIS_FIXTURE_H_

#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "tests/testing/subprocess.h"

namespace jumio_gateway::callbacks::testing {

struct RedisServer {
  std::unique_ptr<jumio::testing::Subprocess> proc;
  int port = 0;
  std::string address() const;  // "127.0.0.1:<port>"
};

absl::StatusOr<RedisServer> StartRedis(const std::string& dir);

}  // namespace jumio_gateway::callbacks::testing

#endif  // JUMIO_GATEWAY_TESTS_INTEGRATION_CALLBACKS_REDIS_FIXTURE_H_
