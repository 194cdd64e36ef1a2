// Delivers workflow callbacks (002 "Callback") with libcurl on a worker thread,
// so that a slow or dead receiver never stalls processing. Jumio documents no
// retry policy, so there is none.
//
// Callback faults (README "Callback faults") make the receiver's bad days
// reproducible: drop a fraction of callbacks (never sent, recorded as
// dropped), send a fraction twice, delay them, and reorder them (each copy
// waits a random extra time within a window, and the earliest due goes
// first).
#ifndef JUMIO_GATEWAY_SANDBOX_CALLBACKS_H_
#define JUMIO_GATEWAY_SANDBOX_CALLBACKS_H_

#include <deque>
#include <string>
#include <thread>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"
#include "sandbox/clock.h"
#include "sandbox/ids.h"

namespace jumio::sandbox {

struct CallbackFaults {
  double drop_rate = 0;       // dropRate: fraction never sent
  double duplicate_rate = 0;  // duplicateRate: fraction sent twice
  int delay_ms = 0;           // delayMs: every delivery waits this long
  int reorder_window_ms = 0;  // reorderWindowMs: plus a random 0..window

  // {"dropRate":0.3,"duplicateRate":0.2,"delayMs":0,"reorderWindowMs":500};
  // members left out keep their defaults (0).
  static absl::StatusOr<CallbackFaults> Parse(absl::string_view json);
  std::string ToJson() const;
};

class CallbackSender {
 public:
  // `random` draws the faults; both must outlive the sender.
  CallbackSender(const Clock* clock, absl::Duration timeout, IdSource* random);
  ~CallbackSender();  // drains nothing: pending callbacks are dropped on
                      // shutdown
  void Enqueue(std::string url, std::string body, std::string workflow_id);
  // {"deliveries":[{"url","workflowExecutionId","httpStatus","error","body","sentAt"}],
  //  "pending":N}
  // A dropped callback is listed with httpStatus 0 and error "dropped by
  // callback fault".
  std::string DeliveriesJson() const;

  void SetFaults(const CallbackFaults& faults);
  CallbackFaults faults() const;

 private:
  struct Item {
    std::string url, body, workflow_id;
    absl::Time due;
  };
  struct Delivery {
    Item item;
    long http_status = 0;
    std::string error;
    absl::Time sent_at;
  };
  void Run();
  // Index of the earliest due item; queue_ is not empty.
  size_t Earliest() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  void Record(Delivery d) ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  const Clock* clock_;
  const absl::Duration timeout_;
  IdSource* random_;
  mutable absl::Mutex mu_;
  CallbackFaults faults_ ABSL_GUARDED_BY(mu_);
  std::vector<Item> queue_ ABSL_GUARDED_BY(mu_);
  std::deque<Delivery> deliveries_ ABSL_GUARDED_BY(mu_);
  bool stop_ ABSL_GUARDED_BY(mu_) = false;
  std::thread worker_;
};

}  // namespace jumio::sandbox

#endif  // JUMIO_GATEWAY_SANDBOX_CALLBACKS_H_
