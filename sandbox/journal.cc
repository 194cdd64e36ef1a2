#include "sandbox/journal.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "sandbox/clock.h"

namespace jumio::sandbox {

std::string Journal::RedactHeader(const std::string& name,
                                  const std::string& value) {
  const std::string lower = absl::AsciiStrToLower(name);
  if (lower == "authorization" || lower == "proxy-authorization") {
    // Keep the scheme: tests assert Bearer versus Basic, never the credential
    // itself.
    const size_t space = value.find(' ');
    return space == std::string::npos ? "<redacted>"
                                      : value.substr(0, space) + " <redacted>";
  }
  if (lower == "cookie" || lower == "x-api-key") return "<redacted>";
  return value;
}

std::string Journal::RedactBody(const std::string& content_type,
                                const std::string& body) {
  if (absl::StartsWith(content_type, "multipart/")) return "";
  if (absl::StartsWith(content_type, "application/x-www-form-urlencoded")) {
    std::vector<std::string> pairs = absl::StrSplit(body, '&');
    for (auto& p : pairs) {
      if (absl::StartsWith(p, "client_secret=")) p = "client_secret=<redacted>";
    }
    return absl::StrJoin(pairs, "&");
  }
  if (body.size() > 16384) return body.substr(0, 16384);
  return body;
}

void Journal::Add(JournalEntry entry) {
  absl::MutexLock lock(&mu_);
  entry.seq = next_seq_++;
  entries_.push_back(std::move(entry));
  while (entries_.size() > capacity_) entries_.pop_front();
}

void Journal::Clear() {
  absl::MutexLock lock(&mu_);
  entries_.clear();
}

std::string Journal::ToJson(const JournalFilter& f) const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  auto str = [&w](const char* k, const std::string& v) {
    w.Key(k);
    w.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
  };
  absl::MutexLock lock(&mu_);
  w.StartObject();
  w.Key("entries");
  w.StartArray();
  size_t n = 0;
  for (const auto& e : entries_) {
    if (e.seq <= f.after_seq) continue;
    if (!f.region.empty() && e.region != f.region) continue;
    if (!f.host_kind.empty() && e.host_kind != f.host_kind) continue;
    if (!f.method.empty() && e.method != f.method) continue;
    if (!f.path_prefix.empty() && !absl::StartsWith(e.path, f.path_prefix))
      continue;
    if (++n > f.limit) break;
    w.StartObject();
    w.Key("seq");
    w.Uint64(e.seq);
    str("time", FormatTimestamp(e.time));
    str("method", e.method);
    str("target", e.target);
    str("path", e.path);
    str("query", e.query);
    str("region", e.region);
    str("hostKind", e.host_kind);
    w.Key("status");
    w.Int(e.status);
    w.Key("headers");
    w.StartObject();
    for (const auto& [k, v] : e.headers) str(k.c_str(), v);
    w.EndObject();
    str("body", e.body);
    w.Key("bodyBytes");
    w.Uint64(e.body_bytes);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

}  // namespace jumio::sandbox
