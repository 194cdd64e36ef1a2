#include "server/core/regions.h"

#include "absl/strings/str_cat.h"

namespace jumio_gateway::core {

bool IsKnownRegion(absl::string_view id) {
  return RegionFromId(id) != ::jumio::gateway::v1::REGION_UNSPECIFIED;
}

std::string KnownRegionList() {
  std::string out;
  for (const RegionEntry& entry : kRegions) {
    absl::StrAppend(&out, out.empty() ? "" : ", ", entry.id);
  }
  return out;
}

std::string RegionId(::jumio::gateway::v1::Region region) {
  for (const RegionEntry& entry : kRegions) {
    if (entry.region == region) return std::string(entry.id);
  }
  return "";
}

::jumio::gateway::v1::Region RegionFromId(absl::string_view id) {
  for (const RegionEntry& entry : kRegions) {
    if (entry.id == id) return entry.region;
  }
  return ::jumio::gateway::v1::REGION_UNSPECIFIED;
}

}  // namespace jumio_gateway::core
