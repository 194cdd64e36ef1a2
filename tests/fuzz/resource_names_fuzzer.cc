// Resource-name parsing (server/core/resource_names.h). Input: one name. A name
// that parses is canonical (formats back to itself) and made of safe ids; a
// name that does not is INVALID_ARGUMENT naming the field.
#include <cstddef>
#include <cstdint>
#include <string>

#include "absl/status/status.h"
#include "server/core/regions.h"
#include "server/core/resource_names.h"
#include "server/errors/errors.h"
#include "tests/fuzz/fuzz_check.h"

namespace core = ::jumio_gateway::core;
namespace errors = ::jumio_gateway::errors;

namespace {

void CheckRefusal(const absl::Status& status, const char* field) {
  JG_FUZZ_CHECK(status.code() == absl::StatusCode::kInvalidArgument,
                status.ToString());
  const auto bad_request = errors::GetBadRequest(status);
  JG_FUZZ_CHECK(bad_request.has_value() &&
                    bad_request->field_violations_size() == 1 &&
                    bad_request->field_violations(0).field() == field,
                status.ToString());
}

void CheckIds(const std::string& region,
              std::initializer_list<const std::string*> ids) {
  JG_FUZZ_CHECK(core::IsKnownRegion(region), region);
  for (const std::string* id : ids) {
    JG_FUZZ_CHECK(core::IsValidId(*id), *id);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const absl::string_view name = jumio_gateway::fuzz::AsText(data, size);

  if (auto account = core::ParseAccountName(name, "name"); account.ok()) {
    JG_FUZZ_CHECK(account->Format() == name, account->Format());
    CheckIds(account->region, {&account->account});
  } else {
    CheckRefusal(account.status(), "name");
  }

  if (auto execution = core::ParseWorkflowExecutionName(name, "parent");
      execution.ok()) {
    JG_FUZZ_CHECK(execution->Format() == name, execution->Format());
    CheckIds(execution->region,
             {&execution->account, &execution->workflow_execution});
  } else {
    CheckRefusal(execution.status(), "parent");
  }

  for (bool short_form : {false, true}) {
    if (auto part = core::ParsePartName(name, "part", short_form); part.ok()) {
      JG_FUZZ_CHECK(part->Format() == name, part->Format());
      CheckIds(part->region, {&part->account, &part->credential});
      JG_FUZZ_CHECK(core::IsValidClassifier(part->classifier),
                    part->classifier);
      JG_FUZZ_CHECK(part->workflow_execution.empty()
                        ? short_form
                        : core::IsValidId(part->workflow_execution),
                    part->Format());
    } else {
      CheckRefusal(part.status(), "part");
    }
  }
  return 0;
}
