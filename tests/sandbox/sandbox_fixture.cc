#include "tests/sandbox/sandbox_fixture.h"

#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"

namespace jumio::sandbox::testing {

std::string Png(uint32_t w, uint32_t h) {
  std::string s("\x89PNG\r\n\x1a\n", 8);
  auto be32 = [&s](uint32_t v) {
    for (int i = 3; i >= 0; --i)
      s.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
  };
  be32(13);
  s += "IHDR";
  be32(w);
  be32(h);
  s += std::string("\x08\x02\x00\x00\x00", 5);
  be32(0);  // CRC is not checked by the sandbox
  s += std::string(64, '\0');
  return s;
}

std::string Jpeg(uint16_t w, uint16_t h) {
  std::string s("\xFF\xD8", 2);
  s += std::string(
      "\xFF\xE0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00", 18);
  s += std::string("\xFF\xC0\x00\x11\x08", 5);
  s.push_back(static_cast<char>(h >> 8));
  s.push_back(static_cast<char>(h & 0xff));
  s.push_back(static_cast<char>(w >> 8));
  s.push_back(static_cast<char>(w & 0xff));
  s += std::string("\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01", 10);
  s += std::string("\xFF\xD9", 2);
  return s;
}

std::string JpegWithCanary(const std::string& canary) {
  const std::string jpeg = Jpeg(1200, 800);
  const size_t length = canary.size() + 2;
  std::string comment = {'\xFF', '\xFE', static_cast<char>(length >> 8),
                         static_cast<char>(length & 0xFF)};
  return jpeg.substr(0, 2) + comment + canary + jpeg.substr(2);
}

rapidjson::Document ParseJson(const std::string& body) {
  rapidjson::Document d;
  d.Parse(body.c_str());
  return d;
}

std::string ReadTestdata(const std::string& name) {
  std::ifstream in(
      jumio::testing::RunfilePath("tests/sandbox/testdata/" + name));
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

std::string ShapeMismatch(const rapidjson::Value& sample,
                          const rapidjson::Value& actual,
                          const std::string& path) {
  if (sample.IsObject()) {
    if (!actual.IsObject()) return path + " is not an object";
    for (const auto& m : sample.GetObject()) {
      const std::string p = path + "." + m.name.GetString();
      if (!actual.HasMember(m.name)) return p + " is missing";
      std::string sub = ShapeMismatch(m.value, actual[m.name], p);
      if (!sub.empty()) return sub;
    }
    return "";
  }
  if (sample.IsArray()) {
    if (!actual.IsArray()) return path + " is not an array";
    if (sample.Empty() || actual.Empty()) return "";
    return ShapeMismatch(sample[0], actual[0], path + "[0]");
  }
  if (sample.IsString() && !actual.IsString()) return path + " is not a string";
  if (sample.IsNumber() && !actual.IsNumber()) return path + " is not a number";
  if (sample.IsBool() && !actual.IsBool()) return path + " is not a bool";
  return "";
}

Sandbox::Sandbox(std::vector<std::string> args) {
  jumio::testing::Subprocess::Options o;
  auto p = jumio::testing::Subprocess::Start(
      jumio::testing::RunfilePath("sandbox/jumio-sandbox"), args, o);
  if (p.ok()) {
    proc_ = std::move(*p);
  } else {
    error_ = p.status().ToString();
  }
}

std::string Sandbox::Url(const std::string& region, const std::string& kind,
                         const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", proc_->port(), "/", region, "/",
                      kind, path);
}

std::string Sandbox::Control(const std::string& path) const {
  return absl::StrCat("http://127.0.0.1:", proc_->port(), "/_sandbox/", path);
}

std::string Sandbox::Token(const std::string& region) {
  HttpResponse r = http_.Send(
      "POST", Url(region, "auth", "/oauth2/token"),
      "grant_type=client_credentials",
      {{"Authorization",
        jumio::testing::BasicAuth("sandbox-client", "sandbox-secret")},
       {"Content-Type", "application/x-www-form-urlencoded"},
       {"User-Agent", "jumio-gateway-tests/1.0"}});
  auto d = ParseJson(r.body);
  if (r.status != 200 || !d.IsObject() || !d.HasMember("access_token"))
    return "";
  return d["access_token"].GetString();
}

const Sandbox::Created::Cred* Sandbox::Created::Find(
    const std::string& category, int nth) const {
  for (const auto& c : creds) {
    if (c.category == category && nth-- == 0) return &c;
  }
  return nullptr;
}

Sandbox::Created Sandbox::CreateAccount(const std::string& region,
                                        const std::string& token,
                                        const std::string& body,
                                        const std::string& account_id) {
  Created c;
  HttpResponse r =
      account_id.empty()
          ? http_.Send("POST", Url(region, "account", "/api/v1/accounts"), body,
                       JsonAuth(token))
          : http_.Send("PUT",
                       Url(region, "account", "/api/v1/accounts/" + account_id),
                       body, JsonAuth(token));
  c.status = r.status;
  c.body = r.body;
  auto d = ParseJson(r.body);
  if (r.status != 200 || !d.IsObject()) return c;
  c.account_id = d["account"]["id"].GetString();
  c.workflow_id = d["workflowExecution"]["id"].GetString();
  for (const auto& v : d["workflowExecution"]["credentials"].GetArray()) {
    Created::Cred cred;
    cred.id = v["id"].GetString();
    cred.category = v["category"].GetString();
    for (const auto& ch : v["allowedChannels"].GetArray())
      cred.channels.push_back(ch.GetString());
    if (v.HasMember("api")) {
      cred.token = v["api"]["token"].GetString();
      for (const auto& p : v["api"]["parts"].GetObject()) {
        cred.parts[p.name.GetString()] = p.value.GetString();
      }
    }
    c.creds.push_back(cred);
  }
  return c;
}

HttpResponse Sandbox::Upload(const std::string& url, const std::string& token,
                             const std::string& data,
                             const std::string& method) {
  jumio::testing::MultipartFile f;
  f.data = data;
  return http_.SendMultipart(method, url, f, Auth(token));
}

HttpResponse Sandbox::Finalize(const std::string& region,
                               const std::string& token, const Created& c) {
  return http_.Send("PUT",
                    Url(region, "api",
                        "/api/v1/accounts/" + c.account_id +
                            "/workflow-executions/" + c.workflow_id),
                    "", JsonAuth(token));
}

HttpResponse Sandbox::Details(const std::string& region,
                              const std::string& token, const Created& c,
                              const std::string& suffix) {
  return http_.Get(Url(region, "retrieval",
                       "/api/v1/accounts/" + c.account_id +
                           "/workflow-executions/" + c.workflow_id + suffix),
                   Auth(token));
}

std::string Sandbox::WaitForStatus(const std::string& region,
                                   const std::string& token, const Created& c,
                                   const std::string& status,
                                   absl::Duration timeout) {
  std::string last;
  jumio::testing::WaitFor(
      [&] {
        HttpResponse r = Details(region, token, c, "/status");
        auto d = ParseJson(r.body);
        if (r.status == 200 && d.IsObject()) {
          last = d["workflowExecution"]["status"].GetString();
        }
        return last == status;
      },
      timeout);
  return last;
}

}  // namespace jumio::sandbox::testing
