#include "server/jumio/endpoints.h"

#include <utility>

namespace jumio_gateway::jumio {

const char* HostKindName(HostKind kind) {
  switch (kind) {
    case HostKind::kAuth:
      return "auth";
    case HostKind::kAccount:
      return "account";
    case HostKind::kApi:
      return "api";
    case HostKind::kRetrieval:
      return "retrieval";
    case HostKind::kStatus:
      return "status";
  }
  return "unknown";
}

const std::string& RegionEndpoints::For(HostKind kind) const {
  switch (kind) {
    case HostKind::kAuth:
      return auth;
    case HostKind::kAccount:
      return account;
    case HostKind::kApi:
      return api;
    case HostKind::kRetrieval:
      return retrieval;
    case HostKind::kStatus:
      return status;
  }
  return status;
}

std::string& RegionEndpoints::For(HostKind kind) {
  return const_cast<std::string&>(std::as_const(*this).For(kind));
}

}  // namespace jumio_gateway::jumio
