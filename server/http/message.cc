#include "server/http/message.h"

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"

namespace jumio_gateway::http {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

std::string FormDecode(absl::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < text.size() && HexValue(text[i + 1]) >= 0 &&
               HexValue(text[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(text[i + 1]) * 16 +
                                      HexValue(text[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

const std::string* Find(const Headers& headers, absl::string_view name) {
  for (const auto& [k, v] : headers) {
    if (absl::EqualsIgnoreCase(k, name)) return &v;
  }
  return nullptr;
}

}  // namespace

std::string Request::Header(absl::string_view name) const {
  const std::string* v = Find(headers, name);
  return v == nullptr ? "" : *v;
}

bool Request::HasHeader(absl::string_view name) const {
  return Find(headers, name) != nullptr;
}

void Response::SetHeader(absl::string_view name, absl::string_view value) {
  Headers kept;
  kept.reserve(headers.size() + 1);
  for (auto& h : headers) {
    if (!absl::EqualsIgnoreCase(h.first, name)) kept.push_back(std::move(h));
  }
  kept.emplace_back(std::string(name), std::string(value));
  headers = std::move(kept);
}

std::string Response::Header(absl::string_view name) const {
  const std::string* v = Find(headers, name);
  return v == nullptr ? "" : *v;
}

void Response::SetContent(int status_code, std::string content,
                          absl::string_view content_type) {
  status = status_code;
  body = std::move(content);
  SetHeader("Content-Type", content_type);
}

std::vector<std::pair<std::string, std::string>> ParseQuery(
    absl::string_view query) {
  std::vector<std::pair<std::string, std::string>> params;
  while (!query.empty()) {
    const size_t amp = query.find('&');
    absl::string_view pair = query.substr(0, amp);
    query = amp == absl::string_view::npos ? "" : query.substr(amp + 1);
    if (pair.empty()) continue;
    const size_t eq = pair.find('=');
    if (eq == absl::string_view::npos) {
      params.emplace_back(FormDecode(pair), "");
    } else {
      params.emplace_back(FormDecode(pair.substr(0, eq)),
                          FormDecode(pair.substr(eq + 1)));
    }
  }
  return params;
}

std::string QueryValue(
    const std::vector<std::pair<std::string, std::string>>& params,
    absl::string_view name) {
  for (const auto& [k, v] : params) {
    if (k == name) return v;
  }
  return "";
}

absl::string_view ReasonPhrase(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 202:
      return "Accepted";
    case 204:
      return "No Content";
    case 301:
      return "Moved Permanently";
    case 302:
      return "Found";
    case 303:
      return "See Other";
    case 304:
      return "Not Modified";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

}  // namespace jumio_gateway::http
