// A CallbackLog that forwards to another one, except that reads (Read) and
// acknowledgements (Acknowledge) wait while the test holds the gate closed:
// a store that has stalled, without any timing.
#ifndef JUMIO_GATEWAY_TESTS_TESTING_BLOCKING_CALLBACK_LOG_H_
#define JUMIO_GATEWAY_TESTS_TESTING_BLOCKING_CALLBACK_LOG_H_

#include <string>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "server/callbacks/callback_log.h"

namespace jumio_gateway::testing {

class BlockingCallbackLog final : public callbacks::CallbackLog {
 public:
  // `inner` must outlive this log. The gate starts open.
  explicit BlockingCallbackLog(callbacks::CallbackLog* inner) : inner_(inner) {}

  void Close() { SetOpen(false); }
  void Open() { SetOpen(true); }
  // Blocks until `n` calls in total have reached the gate (waiting or not).
  void AwaitArrivals(int n);

  absl::StatusOr<callbacks::AppendResult> Append(
      const callbacks::v1::Callback& callback,
      absl::string_view dedup_key) override {
    return inner_->Append(callback, dedup_key);
  }
  absl::StatusOr<callbacks::ReadResult> Read(
      absl::string_view after, int scan_limit,
      const callbacks::Filter& filter) override {
    Gate();
    return inner_->Read(after, scan_limit, filter);
  }
  absl::StatusOr<std::string> HeadCursor() override {
    return inner_->HeadCursor();
  }
  absl::StatusOr<std::string> WaitForNewer(absl::string_view after,
                                           absl::Duration timeout) override {
    return inner_->WaitForNewer(after, timeout);
  }
  absl::Status AttachEnrichment(
      absl::string_view cursor,
      const callbacks::v1::CallbackEnrichment& enrichment) override {
    return inner_->AttachEnrichment(cursor, enrichment);
  }
  absl::Status EnsureSubscription(absl::string_view name,
                                  absl::string_view start_after) override {
    return inner_->EnsureSubscription(name, start_after);
  }
  absl::StatusOr<callbacks::Batch> Claim(
      absl::string_view name, absl::string_view consumer, int max_outstanding,
      absl::Duration ack_deadline, const callbacks::Filter& filter) override {
    return inner_->Claim(name, consumer, max_outstanding, ack_deadline, filter);
  }
  absl::Status Acknowledge(absl::string_view name,
                           const std::vector<std::string>& cursors) override {
    Gate();
    return inner_->Acknowledge(name, cursors);
  }
  absl::Status PutBinding(absl::string_view nonce,
                          const callbacks::Binding& binding) override {
    return inner_->PutBinding(nonce, binding);
  }
  absl::StatusOr<absl::optional<callbacks::Binding>> GetBinding(
      absl::string_view nonce) override {
    return inner_->GetBinding(nonce);
  }
  absl::StatusOr<callbacks::RetentionResult> ApplyRetention(
      absl::Duration retention, absl::Duration binding_retention,
      const callbacks::RetentionLimits& limits) override {
    return inner_->ApplyRetention(retention, binding_retention, limits);
  }
  absl::StatusOr<callbacks::OldestRecord> Oldest(
      callbacks::RecordKind kind) override {
    return inner_->Oldest(kind);
  }

  // Erasure: passed through, not held.
  absl::StatusOr<std::vector<std::string>> Erase(
      absl::string_view account_id,
      absl::string_view workflow_execution_id) override {
    return inner_->Erase(account_id, workflow_execution_id);
  }
  absl::Status PutErasureIntent(
      const callbacks::ErasureIntent& intent) override {
    return inner_->PutErasureIntent(intent);
  }
  absl::Status DeleteErasureIntent(
      const callbacks::ErasureIntent& intent) override {
    return inner_->DeleteErasureIntent(intent);
  }
  absl::StatusOr<std::vector<callbacks::ErasureIntent>> ErasureIntents(
      int limit) override {
    return inner_->ErasureIntents(limit);
  }

 private:
  void SetOpen(bool open);
  void Gate();

  callbacks::CallbackLog* const inner_;
  absl::Mutex mu_;
  bool open_ ABSL_GUARDED_BY(mu_) = true;
  int arrivals_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace jumio_gateway::testing

#endif  // JUMIO_GATEWAY_TESTS_TESTING_BLOCKING_CALLBACK_LOG_H_
