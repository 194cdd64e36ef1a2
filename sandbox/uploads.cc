#include "sandbox/uploads.h"

#include <algorithm>
#include <memory>
#include <utility>

#include "absl/status/statusor.h"
#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "sandbox/images.h"
#include "sandbox/multipart_parse.h"
#include "sandbox/workflows.h"
#include "server/core/json.h"

namespace jumio::sandbox {

namespace http = jumio_gateway::http;

namespace {

struct Payload {
  std::string bytes;
  std::string content_type;
};

// The part's bytes and content type, checked as Jumio checks them. An error's
// message is the detail of a 400 about field "file".
absl::StatusOr<Payload> ReadPayload(const std::string& classifier,
                                    const http::Request& req,
                                    const ServiceOptions& options) {
  Payload payload;
  std::string& bytes = payload.bytes;
  const std::string request_type = req.Header("Content-Type");
  const bool json_body = absl::StartsWith(request_type, "application/json");
  if (classifier == "PREPARED_DATA" && json_body) {
    bytes = req.body;
  } else if (!IsMultipartFormData(request_type)) {
    return absl::InvalidArgumentError(
        "upload the part as multipart/form-data with a 'file' field");
  } else {
    auto form = ParseMultipart(request_type, req.body);
    if (!form.ok()) return form.status();
    const MultipartPart* file = FindPart(*form, "file");
    if (file == nullptr) {
      return absl::InvalidArgumentError("multipart body has no 'file' field");
    }
    bytes = std::string(file->data);
  }
  if (bytes.empty()) return absl::InvalidArgumentError("file is empty");
  if (bytes.size() > options.max_image_bytes) {
    return absl::InvalidArgumentError(
        absl::StrCat("file is ", bytes.size(), " bytes; the limit is ",
                     options.max_image_bytes, " bytes"));
  }
  if (classifier == "PREPARED_DATA") {
    rapidjson::Document d;
    if (!jumio_gateway::core::ParseJson(bytes, &d).ok() || !d.IsObject()) {
      return absl::InvalidArgumentError("prepared data must be a JSON object");
    }
    payload.content_type = "application/json";
  } else if (classifier == "FACEMAP") {
    payload.content_type = "application/octet-stream";
  } else if (options.accept_pdf_parts &&
             (classifier == "FRONT" || classifier == "BACK") &&
             absl::StartsWith(bytes, "%PDF-")) {
    payload.content_type = "application/pdf";
  } else {
    auto info = InspectImage(bytes);
    if (!info.ok()) return info.status();
    if (info->width > kMaxImageSide || info->height > kMaxImageSide) {
      return absl::InvalidArgumentError(
          absl::StrCat("image is ", info->width, "x", info->height,
                       "; the maximum resolution is 8000x8000"));
    }
    payload.content_type = info->content_type;
  }
  return payload;
}

}  // namespace

void Uploads::UploadPart(const Route& r, const http::Request& req,
                         http::Response& res,
                         const std::vector<std::string>& seg) {
  const std::string& account_id = seg[3];
  const std::string& workflow_id = seg[5];
  const std::string& credential_id = seg[7];
  const std::string classifier = absl::AsciiStrToUpper(seg[9]);
  // Parse and check the payload before taking the lock: it is the expensive
  // part.
  absl::StatusOr<Payload> payload = ReadPayload(classifier, req, options_);
  if (!payload.ok()) {
    return WriteProblem(res, 400, std::string(payload.status().message()),
                        "file");
  }
  RegionState* st = state_->Region(r.region);
  const absl::Time now = clock_->Now();
  absl::MutexLock lock(&st->mu);
  absl::StatusOr<Execution> found = FindExecution(st, account_id, workflow_id);
  if (!found.ok()) {
    return WriteProblem(res, 404, std::string(found.status().message()));
  }
  Account& a = *found->account;
  Workflow& w = *found->workflow;
  auto cit = a.credentials.find(credential_id);
  if (cit == a.credentials.end() ||
      std::find(w.credential_ids.begin(), w.credential_ids.end(),
                credential_id) == w.credential_ids.end()) {
    return WriteProblem(res, 404,
                        "credential not found in this workflow execution");
  }
  Credential& c = cit->second;
  if (w.reused_ids.count(credential_id)) {
    return WriteProblem(res, 400, "credential is on file and takes no uploads",
                        "credentialId");
  }
  const auto parts = UploadableParts(c.category, w.def->facemap_upload);
  if (std::find(parts.begin(), parts.end(), classifier) == parts.end()) {
    if (classifier == "FACEMAP") {
      return WriteProblem(res, 400,
                          "a FACEMAP cannot be uploaded over the API channel",
                          "classifier");
    }
    return WriteProblem(
        res, 400,
        absl::StrCat("classifier ", classifier, " does not apply to a ",
                     c.category, " credential"),
        "classifier");
  }
  lifecycle_->MaybeExpire(r.region, st, &w, now);
  if (w.status != "INITIATED") {
    return WriteProblem(
        res, 400,
        absl::StrCat("workflow execution is ", w.status, "; no more uploads"));
  }
  const bool exists = c.parts.count(classifier) > 0;
  if (req.method == "POST" && exists) {
    return WriteProblem(
        res, 400,
        absl::StrCat("part ", classifier, " already exists; PUT replaces it"),
        "classifier");
  }
  c.parts[classifier] =
      Part{payload->content_type,
           std::make_shared<const std::string>(std::move(payload->bytes)), now};
  // Each upload is an action that restarts Jumio's 15-minute session timeout.
  w.session_started = true;
  w.session_deadline = w.directive.kind == Directive::Kind::kSessionExpired
                           ? now + options_.processing_delay
                           : now + Scaled(options_, absl::Minutes(15));
  WriteJson(res, ResponseJson(r.region, a, w, c));
}

std::string Uploads::ResponseJson(const std::string& region, const Account& a,
                                  const Workflow& w,
                                  const Credential& c) const {
  const std::string wf_href = links_->Workflow(region, "api", a.id, w.id);
  Json j;
  j.Obj().Str("timestamp", FormatTimestamp(clock_->Now()));
  j.Obj("account").Str("id", a.id).End();
  j.Obj("workflowExecution").Str("id", w.id).End();
  j.Obj("api");
  if (c.category != "DATA") j.Str("token", c.api_token);
  j.Obj("parts");
  for (const auto& p : UploadableParts(c.category, w.def->facemap_upload)) {
    j.Str(absl::AsciiStrToLower(p).c_str(),
          absl::StrCat(wf_href, "/credentials/", c.id, "/parts/", p));
  }
  j.End().Str("workflowExecution", wf_href).End().End();
  return j.Done();
}

}  // namespace jumio::sandbox
