#include "sandbox/callbacks.h"

#include <curl/curl.h>

#include "absl/strings/str_cat.h"
#include "rapidjson/document.h"
#include "rapidjson/stringbuffer.h"
#include "rapidjson/writer.h"
#include "sandbox/validation.h"
#include "server/core/json.h"

namespace jumio::sandbox {
namespace {

size_t Discard(char*, size_t size, size_t n, void*) { return size * n; }

}  // namespace

absl::StatusOr<CallbackFaults> CallbackFaults::Parse(absl::string_view json) {
  rapidjson::Document doc;
  if (absl::Status parsed = jumio_gateway::core::ParseJson(json, &doc);
      !parsed.ok() || !doc.IsObject()) {
    return FieldError("body", "must be a JSON object of callback faults");
  }
  CallbackFaults f;
  for (const auto& m : doc.GetObject()) {
    const std::string name = m.name.GetString();
    if (name == "dropRate" || name == "duplicateRate") {
      if (!m.value.IsNumber() || m.value.GetDouble() < 0 ||
          m.value.GetDouble() > 1) {
        return FieldError(name, "must be a number from 0 to 1");
      }
      (name == "dropRate" ? f.drop_rate : f.duplicate_rate) =
          m.value.GetDouble();
    } else if (name == "delayMs" || name == "reorderWindowMs") {
      if (!m.value.IsInt() || m.value.GetInt() < 0 ||
          m.value.GetInt() > 600000) {
        return FieldError(name, "must be an integer from 0 to 600000");
      }
      (name == "delayMs" ? f.delay_ms : f.reorder_window_ms) = m.value.GetInt();
    } else {
      return FieldError(name, "is not a callback fault setting");
    }
  }
  return f;
}

std::string CallbackFaults::ToJson() const {
  return absl::StrCat("{\"dropRate\":", drop_rate,
                      ",\"duplicateRate\":", duplicate_rate,
                      ",\"delayMs\":", delay_ms,
                      ",\"reorderWindowMs\":", reorder_window_ms, "}");
}

CallbackSender::CallbackSender(const Clock* clock, absl::Duration timeout,
                               IdSource* random)
    : clock_(clock),
      timeout_(timeout),
      random_(random),
      worker_([this] { Run(); }) {}

void CallbackSender::SetFaults(const CallbackFaults& faults) {
  absl::MutexLock lock(&mu_);
  faults_ = faults;
}

CallbackFaults CallbackSender::faults() const {
  absl::MutexLock lock(&mu_);
  return faults_;
}

size_t CallbackSender::Earliest() const {
  size_t best = 0;
  for (size_t i = 1; i < queue_.size(); ++i) {
    if (queue_[i].due < queue_[best].due) best = i;
  }
  return best;
}

void CallbackSender::Record(Delivery d) {
  deliveries_.push_back(std::move(d));
  while (deliveries_.size() > 1000) deliveries_.pop_front();
}

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
  const absl::Time now = clock_->Now();
  Item item{std::move(url), std::move(body), std::move(workflow_id), now};
  if (faults_.drop_rate > 0 && random_->Uniform() < faults_.drop_rate) {
    Record({std::move(item), 0, "dropped by callback fault", now});
    return;
  }
  const int copies =
      faults_.duplicate_rate > 0 && random_->Uniform() < faults_.duplicate_rate
          ? 2
          : 1;
  for (int i = 0; i < copies; ++i) {
    Item copy = item;
    copy.due =
        now + absl::Milliseconds(faults_.delay_ms) +
        absl::Milliseconds(faults_.reorder_window_ms * random_->Uniform());
    queue_.push_back(std::move(copy));
  }
}

void CallbackSender::Run() {
  CURL* curl = curl_easy_init();
  while (true) {
    Item item;
    {
      absl::MutexLock lock(&mu_);
      // Re-evaluated when Enqueue releases the lock and at each deadline.
      auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) {
        return stop_ ||
               (!queue_.empty() && queue_[Earliest()].due <= clock_->Now());
      };
      while (!ready()) {
        clock_->AwaitWithDeadline(
            mu_, absl::Condition(&ready),
            queue_.empty() ? absl::InfiniteFuture() : queue_[Earliest()].due);
      }
      if (stop_) break;
      const size_t next = Earliest();
      item = std::move(queue_[next]);
      queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(next));
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
    Record(std::move(d));
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
  // Copies queued and not yet sent (delayed, or behind others).
  w.Key("pending");
  w.Uint64(queue_.size());
  w.EndObject();
  return buf.GetString();
}

}  // namespace jumio::sandbox
