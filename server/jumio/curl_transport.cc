#include "server/jumio/curl_transport.h"

#include <curl/curl.h>
#include <pthread.h>

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <limits>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/cord.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/types/optional.h"

namespace jumio_gateway::jumio {
namespace {

// curl_multi_poll already wakes for libcurl's own timers and for
// curl_multi_wakeup; this only bounds a wait should both ever be missed.
constexpr int kMaxPollMs = 1000;

// curl's timeout fires on its own clock a hair before or after ours; within
// this of the deadline a timeout is the caller's deadline, not a slow connect.
constexpr absl::Duration kDeadlineSlack = absl::Milliseconds(50);

// Strings shorter than this cannot carry a secret worth scrubbing and would
// blank out most error messages if they were scrubbed.
constexpr size_t kMinSecretLength = 4;

absl::Status GlobalInit() {
  // libcurl wants one curl_global_init per process before any thread uses
  // it; the result is immutable afterwards. curl_global_cleanup is never
  // called: other code in the process may still use libcurl at exit.
  static std::once_flag once;
  static CURLcode result = CURLE_OK;
  std::call_once(once, [] { result = curl_global_init(CURL_GLOBAL_DEFAULT); });
  if (result != CURLE_OK) {
    return absl::InternalError(
        absl::StrCat("curl_global_init failed: ", curl_easy_strerror(result)));
  }
  return absl::OkStatus();
}

bool IsTokenChar(char c) {
  return absl::ascii_isalnum(static_cast<unsigned char>(c)) ||
         absl::StrContains("!#$%&'*+-.^_`|~", c);
}

bool IsToken(absl::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), IsTokenChar);
}

bool HasLineBreakOrNul(absl::string_view s) {
  return s.find_first_of(absl::string_view("\r\n\0", 3)) !=
         absl::string_view::npos;
}

bool HasHeader(const HttpHeaders& headers, absl::string_view name) {
  for (const auto& [key, value] : headers) {
    if (absl::EqualsIgnoreCase(key, name)) return true;
  }
  return false;
}

// The parts of a request URL the transport needs without parsing it again.
struct UrlParts {
  bool https = false;
  std::string host_port;  // the only part of the URL errors may name
  std::string path;
  std::string query;
};

std::string UrlPart(CURLU* url, CURLUPart part, unsigned int flags = 0) {
  char* value = nullptr;
  if (curl_url_get(url, part, &value, flags) != CURLUE_OK || value == nullptr) {
    return "";
  }
  std::string result(value);
  curl_free(value);
  return result;
}

absl::StatusOr<UrlParts> ParseUrl(const std::string& url) {
  std::unique_ptr<CURLU, decltype(&curl_url_cleanup)> handle(curl_url(),
                                                             curl_url_cleanup);
  if (handle == nullptr) return absl::InternalError("curl_url failed");
  // The URL itself is never echoed: its path and query carry IDs and maybe
  // credentials.
  if (curl_url_set(handle.get(), CURLUPART_URL, url.c_str(), 0) != CURLUE_OK) {
    return absl::InvalidArgumentError("upstream URL is not a valid URL");
  }
  const std::string scheme =
      absl::AsciiStrToLower(UrlPart(handle.get(), CURLUPART_SCHEME));
  if (scheme != "http" && scheme != "https") {
    return absl::InvalidArgumentError("upstream URL must be http or https");
  }
  UrlParts parts;
  parts.https = scheme == "https";
  const std::string host = UrlPart(handle.get(), CURLUPART_HOST);
  if (host.empty()) {
    return absl::InvalidArgumentError("upstream URL has no host");
  }
  parts.host_port = absl::StrCat(
      host, ":", UrlPart(handle.get(), CURLUPART_PORT, CURLU_DEFAULT_PORT));
  parts.path = UrlPart(handle.get(), CURLUPART_PATH);
  parts.query = UrlPart(handle.get(), CURLUPART_QUERY);
  return parts;
}

absl::Status ValidateRequest(const HttpRequest& request) {
  if (!IsToken(request.method)) {
    return absl::InvalidArgumentError("upstream request method is not valid");
  }
  for (const auto& [name, value] : request.headers) {
    // Only the name is safe to name: values may be credentials.
    if (!IsToken(name)) {
      return absl::InvalidArgumentError("upstream header name is not valid");
    }
    if (HasLineBreakOrNul(value)) {
      return absl::InvalidArgumentError(absl::StrCat(
          "upstream header ", name, " has a line break or NUL in its value"));
    }
  }
  return absl::OkStatus();
}

// One request from Send to its callback; lives on the heap so that the
// pointers handed to libcurl (body, error buffer, this) stay put.
struct Transfer {
  TransferId id = 0;
  HttpRequest request;
  HttpTransport::Callback done;
  UrlParts url;
  size_t max_body = 0;

  CURL* easy = nullptr;
  bool in_multi = false;
  curl_slist* header_list = nullptr;
  HttpResponse response;
  bool body_too_large = false;
  // Where the request body is read from next, when it is not one flat piece.
  absl::optional<absl::Cord::CharIterator> read_at;
  size_t read_remaining = 0;
  char error[CURL_ERROR_SIZE] = {};

  ~Transfer() { curl_slist_free_all(header_list); }

  // Every string an error message must not contain: header values (whole and
  // word by word, so "Bearer <token>" also hides <token>), the URL's path and
  // query and the query's values.
  std::vector<std::string> Secrets() const {
    std::vector<std::string> secrets = {request.url, url.path, url.query};
    for (const auto& header : request.headers) {
      secrets.push_back(header.second);
      for (absl::string_view word :
           absl::StrSplit(header.second, ' ', absl::SkipEmpty())) {
        secrets.emplace_back(word);
      }
    }
    for (absl::string_view pair : absl::StrSplit(url.query, '&')) {
      secrets.emplace_back(pair.substr(std::min(pair.find('='), pair.size())));
    }
    return secrets;
  }

  // libcurl's detailed message when it is free of secrets (it names hosts,
  // ports, OS errors and TLS reasons, which is what an operator needs), its
  // generic one for the code otherwise.
  std::string Detail(CURLcode code) const {
    absl::string_view detail =
        absl::StripAsciiWhitespace(absl::string_view(error));
    if (detail.empty()) return curl_easy_strerror(code);
    for (const std::string& secret : Secrets()) {
      if (secret.size() >= kMinSecretLength &&
          absl::StrContains(detail, secret)) {
        return curl_easy_strerror(code);
      }
    }
    return std::string(detail);
  }

  absl::Status Error(CURLcode code, absl::Time now) const {
    const std::string what =
        absl::StrCat("upstream ", request.method, " to ", url.host_port);
    switch (code) {
      case CURLE_OPERATION_TIMEDOUT:
        if (now + kDeadlineSlack >= request.deadline) {
          return absl::DeadlineExceededError(
              absl::StrCat(what, " did not complete before its deadline"));
        }
        // Only the connect timeout can fire before the deadline.
        return absl::UnavailableError(
            absl::StrCat(what, " failed: connect timed out: ", Detail(code)));
      case CURLE_WRITE_ERROR:
        if (body_too_large) {
          return absl::InternalError(
              absl::StrCat(what, " failed: response body exceeds ", max_body,
                           " bytes (max_response_bytes)"));
        }
        return absl::InternalError(
            absl::StrCat(what, " failed: ", Detail(code)));
      case CURLE_COULDNT_RESOLVE_PROXY:
      case CURLE_COULDNT_RESOLVE_HOST:
      case CURLE_COULDNT_CONNECT:
      case CURLE_WEIRD_SERVER_REPLY:
      case CURLE_HTTP2:
      case CURLE_PARTIAL_FILE:
      case CURLE_SSL_CONNECT_ERROR:
      case CURLE_GOT_NOTHING:
      case CURLE_SSL_ENGINE_NOTFOUND:
      case CURLE_SSL_ENGINE_SETFAILED:
      case CURLE_SEND_ERROR:
      case CURLE_RECV_ERROR:
      case CURLE_SSL_CIPHER:
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_BAD_CONTENT_ENCODING:
      case CURLE_SSL_SHUTDOWN_FAILED:
      case CURLE_SSL_ISSUER_ERROR:
      case CURLE_HTTP2_STREAM:
      case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
      case CURLE_SSL_INVALIDCERTSTATUS:
      case CURLE_HTTP3:
      case CURLE_QUIC_CONNECT_ERROR:
      case CURLE_PROXY:
        return absl::UnavailableError(
            absl::StrCat(what, " failed: ", Detail(code)));
      case CURLE_UNSUPPORTED_PROTOCOL:
      case CURLE_URL_MALFORMAT:
        return absl::InvalidArgumentError(
            absl::StrCat(what, " failed: ", Detail(code)));
      case CURLE_SSL_CERTPROBLEM:
      case CURLE_SSL_CACERT_BADFILE:
      case CURLE_SSL_CRL_BADFILE:
        // The gateway's own TLS configuration is broken: no retry helps.
        return absl::FailedPreconditionError(
            absl::StrCat(what, " failed: ", Detail(code)));
      default:
        return absl::InternalError(
            absl::StrCat(what, " failed: ", Detail(code)));
    }
  }
};

size_t OnHeader(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t length = size * count;
  absl::string_view line =
      absl::StripTrailingAsciiWhitespace(absl::string_view(data, length));
  if (absl::StartsWith(line, "HTTP/")) {
    // A new header block (after 1xx): only the final response's headers count.
    transfer->response.headers.clear();
    return length;
  }
  const size_t colon = line.find(':');
  if (colon == absl::string_view::npos) return length;
  std::string name =
      absl::AsciiStrToLower(absl::StripAsciiWhitespace(line.substr(0, colon)));
  if (name.empty()) return length;
  absl::string_view value = absl::StripAsciiWhitespace(line.substr(colon + 1));
  if (name == "content-length") {
    uint64_t announced = 0;
    if (absl::SimpleAtoi(value, &announced)) {
      if (announced > transfer->max_body) {
        // Fail before the body arrives; a short return makes libcurl abort.
        transfer->body_too_large = true;
        return 0;
      }
      transfer->response.body.reserve(announced);
    }
  }
  transfer->response.headers[std::move(name)] = std::string(value);
  return length;
}

size_t OnBody(char* data, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t length = size * count;
  if (length > transfer->max_body - transfer->response.body.size()) {
    transfer->body_too_large = true;
    return 0;
  }
  transfer->response.body.append(data, length);
  return length;
}

// Feeds a request body that is not flat (a Cord of several chunks) to libcurl
// piece by piece, so that it is never copied into one buffer.
size_t OnRead(char* buffer, size_t size, size_t count, void* user) {
  auto* transfer = static_cast<Transfer*>(user);
  const size_t want = size * count;
  size_t copied = 0;
  while (copied < want && transfer->read_remaining > 0) {
    const absl::string_view chunk =
        absl::Cord::ChunkRemaining(*transfer->read_at);
    const size_t n =
        std::min({chunk.size(), want - copied, transfer->read_remaining});
    std::memcpy(buffer + copied, chunk.data(), n);
    absl::Cord::Advance(&*transfer->read_at, n);
    transfer->read_remaining -= n;
    copied += n;
  }
  return copied;
}

// libcurl rewinds the body when it must send it again (a reused connection
// that turned out dead, a redirect, HTTP/2 REFUSED_STREAM).
int OnSeek(void* user, curl_off_t offset, int origin) {
  auto* transfer = static_cast<Transfer*>(user);
  const absl::Cord& body = transfer->request.body;
  if (origin != SEEK_SET || offset < 0 ||
      static_cast<uint64_t>(offset) > body.size()) {
    return CURL_SEEKFUNC_CANTSEEK;
  }
  transfer->read_at = body.char_begin();
  absl::Cord::Advance(&*transfer->read_at, static_cast<size_t>(offset));
  transfer->read_remaining = body.size() - static_cast<size_t>(offset);
  return CURL_SEEKFUNC_OK;
}

}  // namespace

class CurlMultiTransport::Worker {
 public:
  Worker(const Options& options, int index)
      : options_(options), index_(index) {}

  ~Worker() {
    Stop();
    Join();
    for (CURL* easy : idle_handles_) curl_easy_cleanup(easy);
    if (multi_ != nullptr) curl_multi_cleanup(multi_);
  }

  absl::Status Start() {
    multi_ = curl_multi_init();
    if (multi_ == nullptr) return absl::InternalError("curl_multi_init failed");
    CURLMcode code = curl_multi_setopt(multi_, CURLMOPT_PIPELINING,
                                       static_cast<long>(CURLPIPE_MULTIPLEX));
    if (code == CURLM_OK) {
      code = curl_multi_setopt(
          multi_, CURLMOPT_MAX_HOST_CONNECTIONS,
          static_cast<long>(options_.max_connections_per_host));
    }
    if (code == CURLM_OK) {
      code =
          curl_multi_setopt(multi_, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                            static_cast<long>(options_.max_total_connections));
    }
    if (code != CURLM_OK) {
      return absl::InternalError(absl::StrCat("curl_multi_setopt failed: ",
                                              curl_multi_strerror(code)));
    }
    thread_ = std::thread([this] { Run(); });
    return absl::OkStatus();
  }

  // Hands a validated transfer to the I/O thread, or cancels it at once when
  // the transport is shutting down.
  void Submit(std::unique_ptr<Transfer> transfer) {
    {
      absl::MutexLock lock(&mu_);
      if (!stopping_) {
        load_.fetch_add(1, std::memory_order_relaxed);
        const bool wake = incoming_.empty() && cancels_.empty();
        incoming_.push_back(std::move(transfer));
        // Under the lock, so that the multi handle cannot be cleaned up
        // between the check of stopping_ and the wakeup.
        if (wake) curl_multi_wakeup(multi_);
        return;
      }
    }
    std::move(transfer->done)(absl::CancelledError(
        "upstream transfer cancelled: the transport is shutting down"));
  }

  void Cancel(TransferId id) {
    absl::MutexLock lock(&mu_);
    if (stopping_) return;  // everything still running gets CANCELLED anyway
    const bool wake = incoming_.empty() && cancels_.empty();
    cancels_.push_back(id);
    if (wake) curl_multi_wakeup(multi_);
  }

  void Stop() {
    absl::MutexLock lock(&mu_);
    if (stopping_ || multi_ == nullptr) return;
    stopping_ = true;
    curl_multi_wakeup(multi_);
  }

  void Join() {
    if (thread_.joinable()) thread_.join();
  }

  size_t load() const { return load_.load(std::memory_order_relaxed); }

 private:
  void Run() {
    const std::string name = absl::StrCat("jg-curl-io-", index_);
    pthread_setname_np(pthread_self(), name.c_str());
    while (true) {
      std::vector<std::unique_ptr<Transfer>> incoming;
      std::vector<TransferId> cancels;
      bool stopping;
      {
        absl::MutexLock lock(&mu_);
        incoming.swap(incoming_);
        cancels.swap(cancels_);
        stopping = stopping_;
      }
      if (stopping) {
        for (auto& transfer : incoming) Cancelled(std::move(transfer));
        break;
      }
      // Starting before cancelling: a Cancel queued right after its Send
      // then finds the transfer.
      for (auto& transfer : incoming) StartTransfer(std::move(transfer));
      for (TransferId id : cancels) {
        auto it = active_.find(id);
        if (it == active_.end()) continue;  // already completed
        std::unique_ptr<Transfer> transfer = std::move(it->second);
        active_.erase(it);
        Cancelled(std::move(transfer));
      }
      int running = 0;
      curl_multi_perform(multi_, &running);
      CompleteFinished();
      curl_multi_poll(multi_, nullptr, 0, kMaxPollMs, nullptr);
    }
    std::vector<std::unique_ptr<Transfer>> unfinished;
    for (auto& entry : active_) unfinished.push_back(std::move(entry.second));
    active_.clear();
    for (auto& transfer : unfinished) Cancelled(std::move(transfer));
  }

  void StartTransfer(std::unique_ptr<Transfer> transfer) {
    const absl::Time now = options_.clock->Now();
    if (transfer->request.deadline <= now) {
      Complete(std::move(transfer),
               absl::DeadlineExceededError(absl::StrCat(
                   "upstream ", transfer->request.method, " to ",
                   transfer->url.host_port,
                   ": deadline passed before the request was sent")));
      return;
    }
    if (!idle_handles_.empty()) {
      transfer->easy = idle_handles_.back();
      idle_handles_.pop_back();
    } else {
      transfer->easy = curl_easy_init();
    }
    if (transfer->easy == nullptr) {
      Complete(std::move(transfer),
               absl::InternalError("curl_easy_init failed"));
      return;
    }
    if (absl::Status status = Configure(*transfer, now); !status.ok()) {
      Complete(std::move(transfer), std::move(status));
      return;
    }
    if (CURLMcode code = curl_multi_add_handle(multi_, transfer->easy);
        code != CURLM_OK) {
      Complete(std::move(transfer), absl::InternalError(absl::StrCat(
                                        "curl_multi_add_handle failed: ",
                                        curl_multi_strerror(code))));
      return;
    }
    transfer->in_multi = true;
    const TransferId id = transfer->id;
    active_.emplace(id, std::move(transfer));
  }

  absl::Status Configure(Transfer& transfer, absl::Time now) {
    CURL* easy = transfer.easy;
    const HttpRequest& request = transfer.request;
    CURLcode code = CURLE_OK;
    auto set = [&code, easy](CURLoption option, auto value) {
      if (code == CURLE_OK) code = curl_easy_setopt(easy, option, value);
    };

    set(CURLOPT_URL, request.url.c_str());
    set(CURLOPT_PROTOCOLS_STR, "http,https");
    set(CURLOPT_PRIVATE, static_cast<void*>(&transfer));
    set(CURLOPT_ERRORBUFFER, transfer.error);
    // I/O threads must never get SIGALRM or SIGPIPE from libcurl.
    set(CURLOPT_NOSIGNAL, 1L);
    set(CURLOPT_WRITEFUNCTION, &OnBody);
    set(CURLOPT_WRITEDATA, static_cast<void*>(&transfer));
    set(CURLOPT_HEADERFUNCTION, &OnHeader);
    set(CURLOPT_HEADERDATA, static_cast<void*>(&transfer));
    set(CURLOPT_HTTP_VERSION, static_cast<long>(CURL_HTTP_VERSION_2TLS));
    if (transfer.url.https) {
      // Wait for a connection that may turn out to speak h2 rather than open
      // another. Never for plain http: it cannot multiplex, yet libcurl would
      // wait for the first response's headers to learn that, so one slow
      // answer would hold back every transfer queued behind it.
      set(CURLOPT_PIPEWAIT, 1L);
    }
    set(CURLOPT_TCP_KEEPALIVE, 1L);
    set(CURLOPT_SSL_VERIFYPEER, options_.verify_tls ? 1L : 0L);
    set(CURLOPT_SSL_VERIFYHOST, options_.verify_tls ? 2L : 0L);
    if (!options_.ca_file.empty())
      set(CURLOPT_CAINFO, options_.ca_file.c_str());
    set(CURLOPT_CONNECTTIMEOUT_MS,
        static_cast<long>(absl::ToInt64Milliseconds(options_.connect_timeout)));
    if (request.deadline != absl::InfiniteFuture()) {
      // Rounded up so that libcurl never gives up before the deadline.
      const int64_t ms = std::clamp<int64_t>(
          absl::ToInt64Milliseconds(
              absl::Ceil(request.deadline - now, absl::Milliseconds(1))),
          1, std::numeric_limits<int32_t>::max());
      set(CURLOPT_TIMEOUT_MS, static_cast<long>(ms));
    }

    const std::string& method = request.method;
    const bool has_body = !request.body.empty();
    bool sends_body = false;
    if (method == "GET" && !has_body) {
      set(CURLOPT_HTTPGET, 1L);
    } else if (method == "HEAD") {
      set(CURLOPT_NOBODY, 1L);
    } else {
      if (method == "POST") {
        set(CURLOPT_POST, 1L);
      } else {
        set(CURLOPT_CUSTOMREQUEST, method.c_str());
      }
      sends_body =
          has_body || method == "POST" || method == "PUT" || method == "PATCH";
      if (sends_body) {
        // Size given explicitly: bodies are binary (images) and may hold NUL.
        set(CURLOPT_POSTFIELDSIZE_LARGE,
            static_cast<curl_off_t>(request.body.size()));
        static constexpr char kEmpty[] = "";
        if (absl::optional<absl::string_view> flat = request.body.TryFlat()) {
          // One piece: libcurl sends it from where it is.
          set(CURLOPT_POSTFIELDS, flat->empty() ? kEmpty : flat->data());
        } else {
          // Several pieces (an upload assembled from chunks): read in place.
          transfer.read_at = request.body.char_begin();
          transfer.read_remaining = request.body.size();
          set(CURLOPT_POST, 1L);
          set(CURLOPT_READFUNCTION, &OnRead);
          set(CURLOPT_READDATA, static_cast<void*>(&transfer));
          set(CURLOPT_SEEKFUNCTION, &OnSeek);
          set(CURLOPT_SEEKDATA, static_cast<void*>(&transfer));
        }
      }
    }
    if (!options_.user_agent.empty() &&
        !HasHeader(request.headers, "User-Agent")) {
      set(CURLOPT_USERAGENT, options_.user_agent.c_str());
    }
    if (code != CURLE_OK) {
      return absl::InternalError(absl::StrCat(
          "configuring the transfer failed: ", curl_easy_strerror(code)));
    }

    curl_slist* list = nullptr;
    bool list_ok = true;
    auto append = [&list, &list_ok](const std::string& line) {
      if (!list_ok) return;
      curl_slist* next = curl_slist_append(list, line.c_str());
      if (next == nullptr) {
        list_ok = false;
        return;
      }
      list = next;
    };
    for (const auto& [name, value] : request.headers) {
      // "Name:" would make libcurl drop the header; "Name;" sends it empty.
      append(value.empty() ? absl::StrCat(name, ";")
                           : absl::StrCat(name, ": ", value));
    }
    // Jumio answers at once; waiting up to a second for 100-continue on every
    // upload would only add latency.
    if (!HasHeader(request.headers, "Expect")) append("Expect:");
    // libcurl would otherwise label every body as a form.
    if (sends_body && !HasHeader(request.headers, "Content-Type")) {
      append("Content-Type:");
    }
    transfer.header_list = list;
    if (!list_ok) return absl::InternalError("curl_slist_append failed");
    code = curl_easy_setopt(easy, CURLOPT_HTTPHEADER, list);
    if (code != CURLE_OK) {
      return absl::InternalError(absl::StrCat(
          "configuring the transfer failed: ", curl_easy_strerror(code)));
    }
    return absl::OkStatus();
  }

  void CompleteFinished() {
    int queued = 0;
    while (CURLMsg* message = curl_multi_info_read(multi_, &queued)) {
      if (message->msg != CURLMSG_DONE) continue;
      const CURLcode code = message->data.result;
      Transfer* raw = nullptr;
      curl_easy_getinfo(message->easy_handle, CURLINFO_PRIVATE, &raw);
      if (raw == nullptr) continue;
      auto it = active_.find(raw->id);
      if (it == active_.end()) continue;
      std::unique_ptr<Transfer> transfer = std::move(it->second);
      active_.erase(it);
      if (code != CURLE_OK) {
        absl::Status error = transfer->Error(code, options_.clock->Now());
        Complete(std::move(transfer), std::move(error));
        continue;
      }
      long status = 0;
      curl_easy_getinfo(transfer->easy, CURLINFO_RESPONSE_CODE, &status);
      transfer->response.status = static_cast<int>(status);
      HttpResponse response = std::move(transfer->response);
      Complete(std::move(transfer), std::move(response));
    }
  }

  void Cancelled(std::unique_ptr<Transfer> transfer) {
    absl::Status status = absl::CancelledError(
        absl::StrCat("upstream ", transfer->request.method, " to ",
                     transfer->url.host_port, " cancelled"));
    Complete(std::move(transfer), std::move(status));
  }

  // Returns the easy handle for reuse, frees everything the transfer held and
  // only then runs the callback, which may Send again.
  void Complete(std::unique_ptr<Transfer> transfer,
                absl::StatusOr<HttpResponse> result) {
    if (transfer->easy != nullptr) {
      if (transfer->in_multi) curl_multi_remove_handle(multi_, transfer->easy);
      // Drops every option (and with them the pointers into this transfer);
      // connections stay in the multi handle's cache.
      curl_easy_reset(transfer->easy);
      if (idle_handles_.size() < options_.max_idle_handles) {
        idle_handles_.push_back(transfer->easy);
      } else {
        curl_easy_cleanup(transfer->easy);
      }
      transfer->easy = nullptr;
    }
    HttpTransport::Callback done = std::move(transfer->done);
    transfer.reset();
    // Before the callback, so that whoever it wakes sees the transfer gone.
    load_.fetch_sub(1, std::memory_order_relaxed);
    std::move(done)(std::move(result));
  }

  const Options& options_;
  const int index_;
  CURLM* multi_ = nullptr;
  std::thread thread_;
  std::atomic<size_t> load_{0};

  absl::Mutex mu_;
  std::vector<std::unique_ptr<Transfer>> incoming_ ABSL_GUARDED_BY(mu_);
  std::vector<TransferId> cancels_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;

  // Touched by the I/O thread only.
  std::unordered_map<TransferId, std::unique_ptr<Transfer>> active_;
  std::vector<CURL*> idle_handles_;
};

absl::StatusOr<std::unique_ptr<CurlMultiTransport>> CurlMultiTransport::Create(
    Options options) {
  if (options.io_threads < 1 || options.io_threads > 64) {
    return absl::InvalidArgumentError("io_threads must be between 1 and 64");
  }
  if (options.connect_timeout <= absl::ZeroDuration()) {
    return absl::InvalidArgumentError("connect_timeout must be positive");
  }
  if (options.max_response_bytes == 0) {
    return absl::InvalidArgumentError("max_response_bytes must be positive");
  }
  if (options.max_connections_per_host > LONG_MAX ||
      options.max_total_connections > LONG_MAX) {
    return absl::InvalidArgumentError("connection limits are too large");
  }
  if (absl::Status status = GlobalInit(); !status.ok()) return status;
  std::unique_ptr<CurlMultiTransport> transport(
      new CurlMultiTransport(std::move(options)));
  for (int i = 0; i < transport->options_.io_threads; ++i) {
    transport->workers_.push_back(
        std::make_unique<Worker>(transport->options_, i));
    if (absl::Status status = transport->workers_.back()->Start();
        !status.ok()) {
      return status;  // the destructor stops the workers already started
    }
  }
  return transport;
}

CurlMultiTransport::CurlMultiTransport(Options options)
    : options_(std::move(options)) {}

CurlMultiTransport::~CurlMultiTransport() {
  // Stop all first so that the threads wind down in parallel.
  for (auto& worker : workers_) worker->Stop();
  for (auto& worker : workers_) worker->Join();
  workers_.clear();
}

TransferId CurlMultiTransport::Send(HttpRequest request, Callback done) {
  const uint64_t sequence =
      next_sequence_.fetch_add(1, std::memory_order_relaxed);
  const size_t count = workers_.size();
  // Least loaded, scanning from a rotating start so that ties spread.
  size_t chosen = sequence % count;
  for (size_t i = 1; i < count; ++i) {
    const size_t candidate = (sequence + i) % count;
    if (workers_[candidate]->load() < workers_[chosen]->load()) {
      chosen = candidate;
    }
  }
  // The worker is recoverable from the id alone, for Cancel.
  const TransferId id = sequence * count + chosen;

  if (absl::Status status = ValidateRequest(request); !status.ok()) {
    std::move(done)(std::move(status));
    return id;
  }
  absl::StatusOr<UrlParts> url = ParseUrl(request.url);
  if (!url.ok()) {
    std::move(done)(url.status());
    return id;
  }
  if (request.deadline <= options_.clock->Now()) {
    std::move(done)(absl::DeadlineExceededError(
        absl::StrCat("upstream ", request.method, " to ", url->host_port,
                     ": deadline passed before the request was sent")));
    return id;
  }
  auto transfer = std::make_unique<Transfer>();
  transfer->id = id;
  transfer->request = std::move(request);
  transfer->done = std::move(done);
  transfer->url = *std::move(url);
  transfer->max_body = transfer->request.max_response_bytes == 0
                           ? options_.max_response_bytes
                           : std::min(transfer->request.max_response_bytes,
                                      options_.max_response_bytes);
  workers_[chosen]->Submit(std::move(transfer));
  return id;
}

void CurlMultiTransport::Cancel(TransferId id) {
  workers_[id % workers_.size()]->Cancel(id);
}

size_t CurlMultiTransport::InFlight() const {
  size_t total = 0;
  for (const auto& worker : workers_) total += worker->load();
  return total;
}

}  // namespace jumio_gateway::jumio
