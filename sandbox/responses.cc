#include "sandbox/responses.h"

#include <utility>

namespace jumio::sandbox {

namespace http = jumio_gateway::http;

void WriteJson(http::Response& res, std::string body) {
  res.SetContent(200, std::move(body), "application/json");
}

void WriteProblem(http::Response& res, int status, const std::string& detail,
                  const std::string& field) {
  Json j;
  j.Obj()
      .Str("title", std::string(http::ReasonPhrase(status)))
      .Int("status", status)
      .Str("detail", detail);
  if (!field.empty()) j.Str("field", field);
  j.End();
  res.SetContent(status, j.Done(), "application/problem+json");
}

}  // namespace jumio::sandbox
