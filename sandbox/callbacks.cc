#include "sandbox/callbacks.h"

#include <curl/curl.h>

#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"

namespace jumio::sandbox {
namespace {

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

CallbackSender::CallbackSender(const Clock* clock, absl::Duration timeout)
    : clock_(clock), timeout_(timeout), worker_([this] { Run(); }) {}

CallbackSender::~CallbackSender() {
  {
    absl::MutexLock lock(&mu_);
    stop_ = true;
  }
  worker_.join();
}

void CallbackSender::Enqueue(std::string url, std::string body,
                             std::string workflow_id) {
  absl::MutexLock lock(&mu_);
  queue_.push_back({std::move(url), std::move(body), std::move(workflow_id)});
}

void CallbackSender::Run() {
  CURL* curl = curl_easy_init();
  while (true) {
    Item item;
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stop_ || !queue_.empty();
      };
      mu_.Await(absl::Condition(&ready));
      if (stop_) break;
      item = std::move(queue_.front());
      queue_.pop_front();
    }
    Delivery d{item, 0, "", clock_->Now()};
    curl_easy_reset(curl);
    curl_slist* headers = nullptr;
    headers = curl_slist_append(headers, "Content-Type: application/json");
    headers = curl_slist_append(headers,
                                "User-Agent: Jumio Callback (jumio-sandbox)");
    curl_easy_setopt(curl, CURLOPT_URL, item.url.c_str());
    curl_easy_setopt(curl, CURLOPT_POST, 1L);
    curl_easy_setopt(curl, CURLOPT_POSTFIELDS, item.body.data());
    curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE,
                     static_cast<long>(item.body.size()));
    curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
    curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS,
                     static_cast<long>(absl::ToInt64Milliseconds(timeout_)));
    curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, &Discard);
    CURLcode rc = curl_easy_perform(curl);
    if (rc == CURLE_OK) {
      curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &d.http_status);
    } else {
      d.error = curl_easy_strerror(rc);
    }
    curl_slist_free_all(headers);
    absl::MutexLock lock(&mu_);
    deliveries_.push_back(std::move(d));
    while (deliveries_.size() > 1000) deliveries_.pop_front();
  }
  curl_easy_cleanup(curl);
}

std::string CallbackSender::DeliveriesJson() const {
  rapidjson::StringBuffer buf;
  rapidjson::Writer<rapidjson::StringBuffer> w(buf);
  absl::MutexLock lock(&mu_);
  w.StartObject();
  w.Key("deliveries");
  w.StartArray();
  for (const auto& d : deliveries_) {
    w.StartObject();
    w.Key("url");
    w.String(d.item.url.c_str());
    w.Key("workflowExecutionId");
    w.String(d.item.workflow_id.c_str());
    w.Key("httpStatus");
    w.Int64(d.http_status);
    w.Key("error");
    w.String(d.error.c_str());
    w.Key("body");
    w.String(d.item.body.c_str());
    w.Key("sentAt");
    w.String(FormatTimestamp(d.sent_at).c_str());
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return buf.GetString();
}

}  // namespace jumio::sandbox
