// An HttpTransport that keeps every request until the test answers it, so tests
// decide exactly when and how each transfer completes (single-flight, refresh
// timing, races with cancellation).
#ifndef JUMIO_GATEWAY_TESTS_TESTING_FAKE_TRANSPORT_H_
#define JUMIO_GATEWAY_TESTS_TESTING_FAKE_TRANSPORT_H_

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/jumio/http_transport.h"

namespace jumio_gateway::jumio {

class FakeTransport : public HttpTransport {
 public:
  TransferId Send(HttpRequest request, Callback done) override {
    absl::MutexLock lock(&mu_);
    const TransferId id = ++next_id_;
    requests_.push_back(request);
    pending_.emplace(id, Pending{std::move(request), std::move(done)});
    return id;
  }

  void Cancel(TransferId id) override {
    Callback done;
    {
      absl::MutexLock lock(&mu_);
      auto it = pending_.find(id);
      if (it == pending_.end()) return;
      done = std::move(it->second.done);
      pending_.erase(it);
      ++cancelled_;
    }
    std::move(done)(absl::CancelledError("cancelled"));
  }

  // Every request ever sent, in order.
  std::vector<HttpRequest> requests() {
    absl::MutexLock lock(&mu_);
    return requests_;
  }
  size_t pending() {
    absl::MutexLock lock(&mu_);
    return pending_.size();
  }
  int cancelled() {
    absl::MutexLock lock(&mu_);
    return cancelled_;
  }

  // Completes the oldest pending transfer whose URL ends with `url_suffix`.
  // Returns false when there is none.
  bool Answer(const std::string& url_suffix,
              absl::StatusOr<HttpResponse> response) {
    Callback done;
    {
      absl::MutexLock lock(&mu_);
      auto it = pending_.begin();
      for (; it != pending_.end(); ++it) {
        const std::string& url = it->second.request.url;
        if (url.size() >= url_suffix.size() &&
            url.compare(url.size() - url_suffix.size(), url_suffix.size(),
                        url_suffix) == 0) {
          break;
        }
      }
      if (it == pending_.end()) return false;
      done = std::move(it->second.done);
      pending_.erase(it);
    }
    std::move(done)(std::move(response));
    return true;
  }

  static HttpResponse Json(int status, std::string body,
                           std::map<std::string, std::string> headers = {}) {
    HttpResponse response;
    response.status = status;
    response.body = std::move(body);
    response.headers = std::move(headers);
    return response;
  }

 private:
  struct Pending {
    HttpRequest request;
    Callback done;
  };
  absl::Mutex mu_;
  TransferId next_id_ = 0;
  std::vector<HttpRequest> requests_;
  std::map<TransferId, Pending> pending_;
  int cancelled_ = 0;
};

}  // namespace jumio_gateway::jumio

#endif  // JUMIO_GATEWAY_TESTS_TESTING_FAKE_TRANSPORT_H_
