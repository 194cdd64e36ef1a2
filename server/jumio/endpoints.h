// Where Jumio lives: the kinds of host each region has (the regions themselves
// are server/core/regions.h). Part of the Jumio module, so that the client
// and the token source take exactly this and never the gateway's
// configuration, which sits above them.
#ifndef JUMIO_GATEWAY_SERVER_JUMIO_ENDPOINTS_H_
#define JUMIO_GATEWAY_SERVER_JUMIO_ENDPOINTS_H_

#include <map>
#include <string>

namespace jumio_gateway::jumio {

// The kinds of Jumio host every region has (auth.<region>.jumio.ai and so on).
enum class HostKind { kAuth, kAccount, kApi, kRetrieval, kStatus };

inline constexpr HostKind kHostKinds[] = {HostKind::kAuth, HostKind::kAccount,
                                          HostKind::kApi, HostKind::kRetrieval,
                                          HostKind::kStatus};

// "auth", "account", "api", "retrieval", "status": the words the URL template
// uses.
const char* HostKindName(HostKind kind);

// Base URLs (scheme, host, optional port and path prefix; no trailing slash) of
// one region's hosts. A request URL is the base URL plus the path Jumio
// documents ("/oauth2/token").
struct RegionEndpoints {
  std::string auth;
  std::string account;
  std::string api;
  std::string retrieval;
  std::string status;

  const std::string& For(HostKind kind) const;
  std::string& For(HostKind kind);
};

// Region id to its endpoints.
using RegionMap = std::map<std::string, RegionEndpoints>;

// What every request to Jumio needs, whoever sends it (the client, the token
// source).
struct JumioHosts {
  RegionMap regions;
  // Jumio rejects calls without a User-Agent.
  std::string user_agent = "jumio-gateway/0.1";
};

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_SERVER_JUMIO_ENDPOINTS_H_
