// The one table of Jumio regions: the ids that appear in host names, URLs and
// resource names, and the Region enum of the API (common.proto).
#ifndef JUMIO_GATEWAY_SERVER_CORE_REGIONS_H_
#define JUMIO_GATEWAY_SERVER_CORE_REGIONS_H_

#include <array>
#include <string>

#include "absl/strings/string_view.h"
#include "jumio/gateway/v1/common.pb.h"

namespace jumio_gateway::core {

struct RegionEntry {
  absl::string_view id;  // as Jumio spells it in host names
  ::jumio::gateway::v1::Region region;
};

inline constexpr std::array<RegionEntry, 3> kRegions = {{
    {"amer-1", ::jumio::gateway::v1::REGION_AMER_1},
    {"emea-1", ::jumio::gateway::v1::REGION_EMEA_1},
    {"apac-1", ::jumio::gateway::v1::REGION_APAC_1},
}};

bool IsKnownRegion(absl::string_view id);
// "amer-1, emea-1, apac-1", for messages that list the choices.
std::string KnownRegionList();
// "amer-1" for REGION_AMER_1 and so on; "" for unspecified/unknown values.
std::string RegionId(::jumio::gateway::v1::Region region);
// The inverse; REGION_UNSPECIFIED for anything else.
::jumio::gateway::v1::Region RegionFromId(absl::string_view id);

}  // namespace jumio_gateway::core

#endif  // JUMIO_GATEWAY_SERVER_CORE_REGIONS_H_
