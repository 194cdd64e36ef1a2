#include "sandbox/workflows.h"

#include <algorithm>

namespace jumio::sandbox {
namespace {

const std::vector<std::string> kAll = {"WEB", "API", "SDK"};
const std::vector<std::string> kWebSdk = {"WEB", "SDK"};
const std::vector<std::string> kApi = {"API"};

std::vector<WorkflowDef> BuildWorkflows() {
  const std::vector<std::string> id_chain = {"usability", "imageChecks",
                                             "extraction", "dataChecks"};
  std::vector<WorkflowDef> w;
  w.push_back({1,
               "ID Capture and Storage",
               {{"ID", kAll}},
               {"usability", "extraction"}});
  w.push_back({2, "ID Verification", {{"ID", kAll}}, id_chain});
  w.push_back({3,
               "ID and Identity Verification",
               {{"ID", kAll}, {"FACEMAP", kWebSdk}, {"SELFIE", kAll}},
               {"usability", "imageChecks", "extraction", "dataChecks",
                "liveness", "similarity"}});
  {
    WorkflowDef d{5,
                  "Similarity to Existing ID",
                  {{"ID", {}}, {"SELFIE", kApi}},
                  {"usability", "similarity"}};
    d.update_only = true;
    w.push_back(d);
  }
  w.push_back({6,
               "Standalone Liveness",
               {{"FACEMAP", kWebSdk}, {"SELFIE", kAll}},
               {"usability", "liveness"}});
  {
    WorkflowDef d{9,
                  "Authentication",
                  {{"FACEMAP", kWebSdk}, {"SELFIE", kWebSdk}},
                  {"usability", "authentication"}};
    d.update_only = true;
    w.push_back(d);
  }
  {
    WorkflowDef d{16,
                  "Authentication on Premise",
                  {{"FACEMAP", kWebSdk}, {"SELFIE", kWebSdk}},
                  {"usability", "authentication"}};
    d.update_only = true;
    d.facemap_upload = true;
    w.push_back(d);
  }
  {
    WorkflowDef d{20,
                  "Similarity of Two Images",
                  {{"ID", kApi}, {"SELFIE", kApi}},
                  {"usability", "similarity"}};
    d.credentials_from_request = true;
    w.push_back(d);
  }
  w.push_back({32,
               "ID Verification, Identity Verification, Screening",
               {{"ID", kAll}, {"SELFIE", kAll}, {"FACEMAP", kWebSdk}},
               {"usability", "imageChecks", "extraction", "dataChecks",
                "liveness", "watchlistScreening"}});
  // KYX keys from the samples. Their capability sets are not documented; these
  // are the sandbox's reading of the sample responses (README "Workflow keys").
  w.push_back(
      {10005, "KYX prepared data", {{"DATA", kApi}}, {"addressValidation"}});
  w.push_back({10010,
               "KYX screening with a DATA credential",
               {{"DATA", kApi}},
               {"watchlistScreening"}});
  w.push_back({10011,
               "KYX ID verification with prepared data",
               {{"ID", kAll}, {"DATA", kApi}},
               {"usability", "imageChecks", "extraction", "dataChecks",
                "watchlistScreening"}});
  w.push_back({10013,
               "KYX ID verification, screening, address and driving licence",
               {{"ID", kAll}},
               {"usability", "imageChecks", "extraction", "dataChecks",
                "watchlistScreening", "addressValidation", "proofOfResidency",
                "drivingLicenseVerification"}});
  w.push_back({10014,
               "KYX ID and identity verification with screening",
               {{"ID", kAll}, {"SELFIE", kAll}, {"FACEMAP", kWebSdk}},
               {"usability", "imageChecks", "extraction", "dataChecks",
                "liveness", "similarity", "watchlistScreening"}});
  return w;
}

std::vector<CapabilityDef> BuildCapabilities() {
  const std::vector<std::string> after_extraction = {"usability", "imageChecks",
                                                     "extraction"};
  const std::vector<std::string> pnf_tech = {"PRECONDITION_NOT_FULFILLED",
                                             "TECHNICAL_ERROR"};
  std::vector<CapabilityDef> c;
  c.push_back(
      {"usability",
       {},
       {"BAD_QUALITY", "BLURRED", "BAD_QUALITY_IMAGE",
        "PART_OF_DOCUMENT_MISSING", "PART_OF_DOCUMENT_HIDDEN",
        "DAMAGED_DOCUMENT", "GLARE", "MISSING_MANDATORY_DATAPOINTS",
        "BLACK_WHITE", "MISSING_PAGE", "MISSING_SIGNATURE", "NOT_A_DOCUMENT",
        "PHOTOCOPY"},
       {"DOCUMENT_EXPIRY_WITHIN_CONFIGURED_LIMIT", "LIVENESS_UNDETERMINED",
        "UNSUPPORTED_COUNTRY", "UNSUPPORTED_DOCUMENT_TYPE"},
       {"TECHNICAL_ERROR", "NOT_UPLOADED"},
       "OK",
       "ID_IV"});
  c.push_back({"liveness",
               {"usability"},
               {"LIVENESS_UNDETERMINED", "ID_USED_AS_SELFIE", "MULTIPLE_PEOPLE",
                "DIGITAL_COPY", "PHOTOCOPY", "MANIPULATED", "NO_FACE_PRESENT",
                "FACE_NOT_FULLY_VISIBLE", "BLACK_WHITE"},
               {"AGE_DIFFERENCE", "BAD_QUALITY"},
               pnf_tech,
               "OK",
               "ID_IV"});
  c.push_back({"similarity",
               {"usability"},
               {"NO_MATCH"},
               {"NOT_POSSIBLE"},
               pnf_tech,
               "MATCH",
               "ID_IV"});
  c.push_back({"authentication",
               {"usability"},
               {"FAILED"},
               {},
               pnf_tech,
               "OK",
               "ID_IV"});
  c.push_back({"imageChecks",
               {"usability"},
               {"DIGITAL_COPY",
                "WATERMARK",
                "MANIPULATED_DOCUMENT",
                "MANIPULATED_DOCUMENT_PHOTO",
                "MANIPULATED_DOCUMENT_EXPIRY",
                "MANIPULATED_DOCUMENT_NAME",
                "MANIPULATED_DOCUMENT_ADDRESS",
                "MANIPULATED_DOCUMENT_SECURITY_CHECKS",
                "MANIPULATED_DOCUMENT_SIGNATURE",
                "MANIPULATED_DOCUMENT_PERSONAL_NUMBER",
                "MANIPULATED_DOCUMENT_PLACE_OF_BIRTH",
                "MANIPULATED_DOCUMENT_GENDER",
                "MANIPULATED_DOCUMENT_ISSUING_DATE",
                "OTHER_REJECTION",
                "GHOST_IMAGE_DIFFERENT",
                "PUNCHED",
                "SAMPLE",
                "FAKE",
                "CHIP_MISSING",
                "DIGITAL_MANIPULATION",
                "MISMATCH_FRONT_BACK"},
               {"DIFFERENT_PERSON", "REPEATED_FACE"},
               pnf_tech,
               "OK",
               "ID_IV"});
  c.push_back({"extraction",
               {"usability", "imageChecks"},
               {},
               {},
               pnf_tech,
               "OK",
               "ID_IV"});
  c.push_back({"dataChecks",
               after_extraction,
               {"NFC_CERTIFICATE", "MISMATCHING_DATAPOINTS", "MRZ_CHECKSUM",
                "MISMATCHING_DATA_REPEATED_FACE", "MISMATCH_HRZ_MRZ_DATA"},
               {},
               pnf_tech,
               "OK",
               "ID_IV"});
  c.push_back(
      {"watchlistScreening",
       after_extraction,
       {},
       {"ALERT"},
       {"NOT_ENOUGH_DATA", "VALIDATION_FAILED", "INVALID_MERCHANT_SETTINGS",
        "TECHNICAL_ERROR", "EXTRACTION_NOT_DONE", "NO_VALID_ID_CREDENTIAL",
        "PRECONDITION_NOT_FULFILLED"},
       "OK",
       "SCREENING"});
  c.push_back({"addressValidation",
               after_extraction,
               {"DENY"},
               {"ALERT"},
               {"NOT_ENOUGH_DATA", "TECHNICAL_ERROR", "UNSUPPORTED_COUNTRY",
                "PRECONDITION_NOT_FULFILLED"},
               "OK",
               "ADDRESS_VERIFICATION"});
  c.push_back({"proofOfResidency",
               after_extraction,
               {"DENY"},
               {"ALERT"},
               {"NOT_ENOUGH_DATA", "TECHNICAL_ERROR", "UNSUPPORTED_COUNTRY",
                "PRECONDITION_NOT_FULFILLED"},
               "OK",
               "ADDRESS_VERIFICATION"});
  c.push_back({"drivingLicenseVerification",
               after_extraction,
               {"DENY"},
               {"ALERT"},
               {"TECHNICAL_ERROR", "UNSUPPORTED_COUNTRY", "UNSUPPORTED_STATE",
                "PRECONDITION_NOT_FULFILLED", "VALIDATION_FAILED"},
               "OK",
               "DL_VERIFICATION"});
  return c;
}

}  // namespace

const std::vector<WorkflowDef>& AllWorkflows() {
  static const auto* const kWorkflows =
      new std::vector<WorkflowDef>(BuildWorkflows());
  return *kWorkflows;
}

const WorkflowDef* FindWorkflow(int64_t key) {
  for (const auto& w : AllWorkflows()) {
    if (w.key == key) return &w;
  }
  return nullptr;
}

const CapabilityDef* FindCapability(absl::string_view name) {
  static const auto* const kCaps =
      new std::vector<CapabilityDef>(BuildCapabilities());
  for (const auto& c : *kCaps) {
    if (c.name == name) return &c;
  }
  return nullptr;
}

bool AllowsChannel(const std::vector<std::string>& channels,
                   absl::string_view channel) {
  return std::find(channels.begin(), channels.end(), channel) != channels.end();
}

std::vector<std::string> UploadableParts(absl::string_view category,
                                         bool facemap_upload) {
  if (category == "ID" || category == "DOCUMENT") return {"FRONT", "BACK"};
  if (category == "SELFIE") return {"FACE"};
  if (category == "DATA") return {"PREPARED_DATA"};
  if (category == "FACEMAP" && facemap_upload) return {"FACEMAP"};
  return {};
}

std::string RequiredPart(absl::string_view category) {
  if (category == "ID" || category == "DOCUMENT") return "FRONT";
  if (category == "SELFIE") return "FACE";
  if (category == "DATA") return "PREPARED_DATA";
  return "FACEMAP";
}

}  // namespace jumio::sandbox
