#include "server/api/resource_names.h"

#include "server/errors/errors.h"

namespace jumio_gateway::api {

absl::StatusOr<std::string> ResolveRegion(::jumio::gateway::v1::Region region,
                                          const std::string& default_region,
                                          absl::string_view field) {
  if (region == ::jumio::gateway::v1::REGION_UNSPECIFIED) return default_region;
  std::string id = RegionId(region);
  if (id.empty()) {
    return errors::InvalidField(field, "is not a known region");
  }
  return id;
}

}  // namespace jumio_gateway::api
