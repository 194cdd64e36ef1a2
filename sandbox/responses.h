// How the sandbox writes Jumio's answers: JSON bodies, problem bodies and the
// hrefs Jumio puts in them.
#ifndef JUMIO_GATEWAY_SANDBOX_RESPONSES_H_
#define JUMIO_GATEWAY_SANDBOX_RESPONSES_H_

#include <cstdint>
#include <string>
#include <utility>

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "server/http/message.h"

namespace jumio::sandbox {

// Thin convenience over rapidjson's writer: Jumio bodies are mostly string
// members.
class Json {
 public:
  Json() : w_(buf_) {}
  Json& Obj() { return w_.StartObject(), *this; }
  Json& Obj(const char* k) { return Key(k), w_.StartObject(), *this; }
  Json& End() { return w_.EndObject(), *this; }
  Json& Arr(const char* k) { return Key(k), w_.StartArray(), *this; }
  Json& EndArr() { return w_.EndArray(), *this; }
  Json& Key(const char* k) { return w_.Key(k), *this; }
  Json& Str(const std::string& v) {
    w_.String(v.data(), static_cast<rapidjson::SizeType>(v.size()));
    return *this;
  }
  Json& Str(const char* k, const std::string& v) { return Key(k).Str(v); }
  Json& Int(const char* k, int64_t v) { return Key(k), w_.Int64(v), *this; }
  Json& Dbl(const char* k, double v) { return Key(k), w_.Double(v), *this; }
  Json& Bool(const char* k, bool v) { return Key(k), w_.Bool(v), *this; }
  std::string Done() { return std::string(buf_.GetString(), buf_.GetSize()); }

 private:
  rapidjson::StringBuffer buf_;
  rapidjson::Writer<rapidjson::StringBuffer> w_;
};

// 200 with a JSON body.
void WriteJson(jumio_gateway::http::Response& res, std::string body);

// Writes a problem body: {"title","status","detail"[,"field"]}, the shape of
// Jumio's 429 body.
void WriteProblem(jumio_gateway::http::Response& res, int status,
                  const std::string& detail, const std::string& field = "");

// The URLs of the sandbox's hosts and resources as Jumio's bodies carry them.
class Links {
 public:
  // e.g. http://127.0.0.1:8080 (no trailing slash)
  explicit Links(std::string public_base_url)
      : public_base_url_(std::move(public_base_url)) {}

  std::string Host(const std::string& region,
                   const std::string& host_kind) const {
    return public_base_url_ + "/" + region + "/" + host_kind;
  }
  // <host>/api/v1/accounts/<account>
  std::string Account(const std::string& region, const std::string& host_kind,
                      const std::string& account_id) const {
    return Host(region, host_kind) + "/api/v1/accounts/" + account_id;
  }
  // <host>/api/v1/accounts/<account>/workflow-executions/<workflow>
  std::string Workflow(const std::string& region, const std::string& host_kind,
                       const std::string& account_id,
                       const std::string& workflow_id) const {
    return Account(region, host_kind, account_id) + "/workflow-executions/" +
           workflow_id;
  }

 private:
  std::string public_base_url_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_RESPONSES_H_
