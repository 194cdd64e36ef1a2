#include "server/api/header_values.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "server/errors/errors.h"

namespace jumio_gateway::api {

absl::Status CheckTokenValue(absl::string_view value, absl::string_view field) {
  if (value.empty()) return errors::InvalidField(field, "must not be empty");
  if (value.size() > kMaxTokenBytes) {
    return errors::InvalidField(
        field, absl::StrCat("must be at most ", kMaxTokenBytes, " bytes"));
  }
  const bool visible = std::all_of(value.begin(), value.end(), [](char c) {
    const unsigned char u = static_cast<unsigned char>(c);
    return u >= 0x21 && u <= 0x7E;
  });
  if (!visible) {
    return errors::InvalidField(
        field,
        "must be visible ASCII only (no spaces, control characters such as "
        "CR, LF or NUL, or non-ASCII bytes)");
  }
  return absl::OkStatus();
}

}  // namespace jumio_gateway::api
