// What the sandbox's Jumio API is configured with and how a request was
// addressed: shared by the service, its resource handlers and the server in
// front of them.
#ifndef JUMIO_GATEWAY_SANDBOX_SERVICE_OPTIONS_H_
#define JUMIO_GATEWAY_SANDBOX_SERVICE_OPTIONS_H_

#include <algorithm>
#include <array>
#include <cstddef>
#include <string>

#include "absl/time/time.h"

namespace jumio::sandbox {

inline constexpr std::array<const char*, 3> kRegions = {"amer-1", "emea-1",
                                                        "apac-1"};
inline constexpr std::array<const char*, 6> kHostKinds = {
    "auth", "account", "api", "retrieval", "status", "web"};

struct ServiceOptions {
  std::string
      public_base_url;  // e.g. http://127.0.0.1:8080 (no trailing slash)
  absl::Duration processing_delay = absl::Milliseconds(200);
  double time_scale =
      1.0;  // divides token lifetime, session timeout and OAuth token ttl
  size_t max_image_bytes = 5 * 1024 * 1024;
  // Accept "%PDF-" files for FRONT/BACK parts (not a documented Jumio
  // behaviour; for gateway tests of its PDF path).
  bool accept_pdf_parts = false;
  bool allow_http_callbacks = false;
};

// A Jumio duration (token lifetime, session timeout) as the sandbox runs it:
// divided by time_scale, so that tests see expiry without waiting for it.
inline absl::Duration Scaled(const ServiceOptions& options, absl::Duration d) {
  return d / std::max(options.time_scale, 1e-9);
}

// Where a request was addressed: region and host kind plus the Jumio path under
// that host.
struct Route {
  std::string region;
  std::string host_kind;
  std::string path;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_SERVICE_OPTIONS_H_
