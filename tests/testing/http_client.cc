#include "tests/testing/http_client.h"

#include <curl/curl.h>

#include "absl/strings/ascii.h"
#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"

namespace jumio::testing {
namespace {

size_t OnBody(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

size_t OnHeader(char* data, size_t size, size_t n, void* out) {
  std::string line(data, size * n);
  const size_t colon = line.find(':');
  if (colon != std::string::npos) {
    (*static_cast<std::map<std::string, std::string>*>(
        out))[absl::AsciiStrToLower(line.substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(line.substr(colon + 1)));
  }
  return size * n;
}

}  // namespace

std::string BasicAuth(const std::string& user, const std::string& password) {
  return "Basic " + absl::Base64Escape(user + ":" + password);
}

HttpClient::HttpClient(absl::Duration timeout)
    : curl_(curl_easy_init()), timeout_(timeout) {}

HttpClient::~HttpClient() { curl_easy_cleanup(static_cast<CURL*>(curl_)); }

HttpResponse HttpClient::Perform(const Headers& headers) {
  CURL* c = static_cast<CURL*>(curl_);
  HttpResponse r;
  curl_slist* list = nullptr;
  // libcurl's default "Expect: 100-continue" adds a round trip the tests do not
  // care about.
  list = curl_slist_append(list, "Expect:");
  for (const auto& [k, v] : headers) {
    list = curl_slist_append(
        list, v.empty() ? (k + ";").c_str() : (k + ": " + v).c_str());
  }
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, list);
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &OnBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, &OnHeader);
  curl_easy_setopt(c, CURLOPT_HEADERDATA, &r.headers);
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS,
                   static_cast<long>(absl::ToInt64Milliseconds(timeout_)));
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  const CURLcode rc = curl_easy_perform(c);
  if (rc == CURLE_OK) {
    long status = 0;
    curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
    r.status = static_cast<int>(status);
    long connects = 0;
    curl_easy_getinfo(c, CURLINFO_NUM_CONNECTS, &connects);
    r.new_connections = static_cast<int>(connects);
    double connect_seconds = 0;
    curl_easy_getinfo(c, CURLINFO_CONNECT_TIME, &connect_seconds);
    r.connect_time = absl::Seconds(connect_seconds);
  } else {
    r.error = curl_easy_strerror(rc);
  }
  curl_slist_free_all(list);
  curl_easy_reset(c);
  return r;
}

HttpResponse HttpClient::Get(const std::string& url, const Headers& headers) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  return Perform(headers);
}

HttpResponse HttpClient::Delete(const std::string& url,
                                const Headers& headers) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, "DELETE");
  return Perform(headers);
}

HttpResponse HttpClient::Send(const std::string& method, const std::string& url,
                              const std::string& body, const Headers& headers) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_POST, 1L);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, body.data());
  curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE, static_cast<long>(body.size()));
  if (method != "POST")
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  return Perform(headers);
}

HttpResponse HttpClient::SendMultipart(const std::string& method,
                                       const std::string& url,
                                       const MultipartFile& file,
                                       const Headers& headers) {
  CURL* c = static_cast<CURL*>(curl_);
  curl_mime* mime = curl_mime_init(c);
  curl_mimepart* part = curl_mime_addpart(mime);
  curl_mime_name(part, file.field.c_str());
  curl_mime_filename(part, file.filename.c_str());
  curl_mime_data(part, file.data.data(), file.data.size());
  if (!file.content_type.empty())
    curl_mime_type(part, file.content_type.c_str());
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_MIMEPOST, mime);
  if (method != "POST")
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method.c_str());
  HttpResponse r = Perform(headers);
  curl_mime_free(mime);
  return r;
}

}  // namespace jumio::testing
