#include "server/jumio/codec/platform_codec.h"

#include <string>

#include "server/jumio/codec/json_util.h"

namespace jumio_gateway::codec {

namespace v1 = ::jumio::gateway::v1;

absl::StatusOr<v1::RegionPlatformStatus> ReadPlatformStatus(
    absl::string_view body, absl::string_view region) {
  constexpr absl::string_view kWhat = "health status response";
  rapidjson::Document doc;
  absl::Status status = ParseJsonObject(body, kWhat, &doc);
  if (!status.ok()) return status;
  std::string raw_status;
  status = RequiredString(doc, "status", true, kWhat, "status", &raw_status);
  if (!status.ok()) return status;

  v1::RegionPlatformStatus out;
  out.set_region(RegionFromId(region));
  out.set_raw_status(raw_status);
  out.set_status(ParseEnum<v1::HealthStatus>(raw_status));
  const JsonValue* details = Member(doc, "details");
  if (details == nullptr || !details->IsObject()) return out;

  v1::PlatformServiceStatuses* services = out.mutable_services();
  const google::protobuf::Descriptor* descriptor = services->GetDescriptor();
  const google::protobuf::Reflection* reflection = services->GetReflection();
  for (const auto& member : details->GetObject()) {
    if (!member.value.IsString()) continue;
    const std::string name(member.name.GetString(),
                           member.name.GetStringLength());
    const std::string value(member.value.GetString(),
                            member.value.GetStringLength());
    (*services->mutable_raw())[name] = value;
    // The six documented services are the enum fields named like Jumio's
    // members ("api", "callback", ...).
    const google::protobuf::FieldDescriptor* field =
        descriptor->FindFieldByName(name);
    if (field != nullptr &&
        field->type() == google::protobuf::FieldDescriptor::TYPE_ENUM) {
      reflection->SetEnumValue(services, field,
                               EnumNumber(field->enum_type(), value));
    }
  }
  return out;
}

}  // namespace jumio_gateway::codec
