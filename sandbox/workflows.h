// The workflow definitions the sandbox knows (doc 003 plus the KYX keys seen in
// the samples) and the capability catalogue of the reference manual:
// dependencies, decision labels, step names.
#ifndef JUMIO_GATEWAY_SANDBOX_WORKFLOWS_H_
#define JUMIO_GATEWAY_SANDBOX_WORKFLOWS_H_

#include <cstdint>
#include <string>
#include <vector>

#include "absl/strings/string_view.h"

namespace jumio::sandbox {

struct CredentialDef {
  std::string category;               // ID, SELFIE, FACEMAP, DOCUMENT, DATA
  std::vector<std::string> channels;  // as Jumio lists them in allowedChannels
};

struct WorkflowDef {
  int64_t key = 0;
  std::string name;
  std::vector<CredentialDef> credentials;
  std::vector<std::string> capabilities;  // in dependency order
  // Workflows 5, 9 and 16 need an existing account (doc 003 "Account already
  // exists").
  bool update_only = false;
  // Workflow 16 uploads the customer's stored facemap over the API (doc 003
  // "Upload Facemap").
  bool facemap_upload = false;
  // Workflow 20 lets the request choose the pair of credentials (ID/SELFIE,
  // ID/ID, SELFIE/SELFIE).
  bool credentials_from_request = false;
};

// nullptr when the key is not configured for the sandbox tenant.
const WorkflowDef* FindWorkflow(int64_t key);
const std::vector<WorkflowDef>& AllWorkflows();

bool AllowsChannel(const std::vector<std::string>& channels,
                   absl::string_view channel);

// Classifiers that can be uploaded over the API for a credential category
// ("FRONT", "BACK", "FACE", "PREPARED_DATA", "FACEMAP").
std::vector<std::string> UploadableParts(absl::string_view category,
                                         bool facemap_upload);
// The part a credential needs before processing can use it.
std::string RequiredPart(absl::string_view category);

struct CapabilityDef {
  std::string name;
  std::vector<std::string> depends_on;
  std::vector<std::string> rejected_labels;
  std::vector<std::string> warning_labels;
  std::vector<std::string> not_executed_labels;
  std::string passed_label;  // "OK" for most, "MATCH" for similarity
  std::string step;          // retrieval steps name
};

const CapabilityDef* FindCapability(absl::string_view name);

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_WORKFLOWS_H_
