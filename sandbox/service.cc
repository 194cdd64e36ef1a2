#include "sandbox/service.h"

#include <vector>

#include "absl/strings/str_split.h"
#include "rapidjson/document.h"
#include "sandbox/validation.h"
#include "server/core/json.h"

namespace jumio::sandbox {

namespace http = jumio_gateway::http;

Service::Service(const ServiceOptions& options, const Clock* clock,
                 IdSource* ids, Authenticator* auth, CallbackSender* callbacks)
    : links_(options.public_base_url),
      access_(auth, &state_),
      lifecycle_(options, clock, ids, callbacks, &state_, &links_),
      accounts_(options, clock, ids, &state_, &links_),
      uploads_(options, clock, &state_, &lifecycle_, &links_),
      retrieval_(clock, &state_, &lifecycle_, &links_),
      web_(clock, &state_, &lifecycle_, &uploads_) {}

absl::Status Service::SetHealth(const std::string& region,
                                const std::string& json) {
  RegionState* st = state_.Region(region);
  if (st == nullptr) return absl::NotFoundError("unknown region");
  rapidjson::Document d;
  if (!jumio_gateway::core::ParseJson(json, &d).ok() || !d.IsObject() ||
      !d.HasMember("status") || !d["status"].IsString()) {
    return FieldError("status",
                      "health body needs a string status (UP, DEGRADED, DOWN)");
  }
  absl::MutexLock lock(&st->mu);
  st->health = json;
  return absl::OkStatus();
}

void Service::Handle(const Route& r, const http::Request& req,
                     http::Response& res) {
  std::vector<std::string> seg = absl::StrSplit(r.path, '/', absl::SkipEmpty());
  if (r.host_kind == "status") {
    if (req.method != "GET" || !seg.empty())
      return WriteProblem(res, 404, "no such resource");
    RegionState* st = state_.Region(r.region);
    absl::MutexLock lock(&st->mu);
    return WriteJson(res, st->health);
  }
  if (r.host_kind == "auth") {
    if (seg.size() == 2 && seg[0] == "oauth2" && seg[1] == "token") {
      if (req.method != "POST") return WriteProblem(res, 405, "use POST");
      return access_.OAuthToken(r, req, res);
    }
    return WriteProblem(res, 404, "no such resource");
  }
  if (r.host_kind == "web") return web_.Handle(r, req, res, seg);
  const bool api_prefix = seg.size() >= 3 && seg[0] == "api" && seg[1] == "v1";
  if (!api_prefix) return WriteProblem(res, 404, "no such resource");
  if (r.host_kind == "account") {
    if (seg.size() == 3 && seg[2] == "accounts" && req.method == "POST") {
      if (!access_.Authorize(r, req, res, "")) return;
      return accounts_.CreateOrUpdate(r, req, res, "");
    }
    if (seg.size() == 4 && seg[2] == "accounts" && req.method == "PUT") {
      if (!access_.Authorize(r, req, res, "")) return;
      return accounts_.CreateOrUpdate(r, req, res, seg[3]);
    }
    return WriteProblem(res,
                        seg.size() <= 4 && seg[2] == "accounts" ? 405 : 404,
                        "no such resource or method");
  }
  if (r.host_kind == "api") {
    if (seg.size() == 10 && seg[2] == "accounts" &&
        seg[4] == "workflow-executions" && seg[6] == "credentials" &&
        seg[8] == "parts") {
      if (req.method != "POST" && req.method != "PUT") {
        return WriteProblem(res, 405,
                            "use POST to add a part or PUT to replace it");
      }
      if (!access_.Authorize(r, req, res, seg[5])) return;
      return uploads_.UploadPart(r, req, res, seg);
    }
    if (seg.size() == 6 && seg[2] == "accounts" &&
        seg[4] == "workflow-executions") {
      if (req.method != "PUT")
        return WriteProblem(res, 405, "use PUT to finalize");
      if (!access_.Authorize(r, req, res, seg[5])) return;
      return lifecycle_.Finalize(r, res, seg[3], seg[5]);
    }
    return WriteProblem(res, 404, "no such resource");
  }
  if (r.host_kind == "retrieval") {
    if (!access_.Authorize(r, req, res, "")) return;
    return retrieval_.Handle(r, req, res, seg);
  }
  WriteProblem(res, 404, "no such resource");
}

}  // namespace jumio::sandbox
