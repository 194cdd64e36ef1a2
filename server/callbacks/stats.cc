#include "server/callbacks/stats.h"

namespace jumio_gateway::callbacks {

const char* RejectReasonName(RejectReason reason) {
  switch (reason) {
    case RejectReason::kSourceNotAllowed:
      return "source_not_allowed";
    case RejectReason::kMethodNotAllowed:
      return "method_not_allowed";
    case RejectReason::kUnsupportedMediaType:
      return "unsupported_media_type";
    case RejectReason::kLengthRequired:
      return "length_required";
    case RejectReason::kBodyTooLarge:
      return "body_too_large";
    case RejectReason::kBodyTimeout:
      return "body_timeout";
    case RejectReason::kMalformedJson:
      return "malformed_json";
    case RejectReason::kInvalidShape:
      return "invalid_shape";
    case RejectReason::kUnstorable:
      return "unstorable";
    case RejectReason::kBadToken:
      return "bad_token";
    case RejectReason::kTokenUnbound:
      return "token_unbound";
    case RejectReason::kStoreUnavailable:
      return "store_unavailable";
    case RejectReason::kCount:
      break;
  }
  return "unknown";
}

int RejectReasonHttpStatus(RejectReason reason) {
  switch (reason) {
    case RejectReason::kSourceNotAllowed:
    case RejectReason::kBadToken:
    case RejectReason::kTokenUnbound:
      return 403;
    case RejectReason::kMethodNotAllowed:
      return 405;
    case RejectReason::kUnsupportedMediaType:
      return 415;
    case RejectReason::kLengthRequired:
      return 411;
    case RejectReason::kBodyTooLarge:
      return 413;
    case RejectReason::kBodyTimeout:
      return 408;
    case RejectReason::kMalformedJson:
    case RejectReason::kInvalidShape:
    case RejectReason::kUnstorable:
      return 400;
    case RejectReason::kStoreUnavailable:
    case RejectReason::kCount:
      break;
  }
  return 503;
}

}  // namespace jumio_gateway::callbacks
