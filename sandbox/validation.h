// Parsing and validation of the account create/update body, following every
// field and length limit of the reference manual (002, "Account Creation").
#ifndef JUMIO_GATEWAY_SANDBOX_VALIDATION_H_
#define JUMIO_GATEWAY_SANDBOX_VALIDATION_H_

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"

namespace jumio::sandbox {

// An InvalidArgument status carries the offending JSON field path under this
// payload URL, so that the HTTP layer can name the field in the 400 body.
inline constexpr char kFieldPayload[] = "jumio-sandbox/field";
absl::Status FieldError(absl::string_view field, absl::string_view message);
std::string FieldOf(const absl::Status& status);

// "<digits><s|m|h|d>", between 5m and 60d inclusive (002, tokenLifetime).
absl::StatusOr<absl::Duration> ParseTokenLifetime(absl::string_view text);

// Jumio's rule: https, a host name (not an IP address), no port, no fragment,
// at most 255 characters. With allow_http_loopback, http://127.0.0.1[:port]/...
// and http://localhost are accepted too, for tests that receive callbacks on
// loopback.
absl::Status ValidateCallbackUrl(absl::string_view url,
                                 bool allow_http_loopback);

struct CredentialRequest {
  std::string id;  // workflow 5 reuses a credential on file by id
  std::string category;
  std::string country_predefined_type;
  std::vector<std::string> countries;
  std::string type_predefined_type;
  std::vector<std::string> types;
};

struct AccountRequest {
  std::string customer_internal_reference;
  std::string user_reference;
  std::string reporting_criteria;
  std::string callback_url;
  int64_t workflow_key = 0;
  std::vector<CredentialRequest> credentials;
  std::optional<std::string> watchlist_additional_properties;
  absl::Duration token_lifetime = absl::Minutes(30);
  std::string success_url;
  std::string error_url;
  std::string locale;
  bool has_user_consent = false;
  std::string user_ip;
  std::string consent_country;
  std::string consent_state;
  std::string consent_obtained;
  std::string consent_obtained_at;
};

struct ValidationOptions {
  bool allow_http_callbacks = false;
};

absl::StatusOr<AccountRequest> ParseAccountRequest(
    absl::string_view body, const ValidationOptions& options);

// True for an ISO 3166-1 alpha-3 shaped code (three upper-case letters; XKX for
// Kosovo fits).
bool IsAlpha3(absl::string_view code);
// YYYY-MM-DDThh:mm:ss.SSSZ
bool IsJumioTimestamp(absl::string_view text);

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_VALIDATION_H_
