// 200 concurrent 14 MB PDF uploads against a gateway whose upload buffer
// budget holds only a few of them: the gateway's memory stays under the budget
// plus 100 MB, the uploads that do not fit get RESOURCE_EXHAUSTED with
// RetryInfo at once, and the others reach Jumio (the sandbox). Prints the RSS
// before, at peak and after, the counts and the time taken.
#include <grpcpp/grpcpp.h>
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <fstream>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "absl/time/clock.h"
#include "tests/integration/gateway_fixture.h"

namespace jumio_gateway::testing {
namespace {

namespace v1 = ::jumio::gateway::v1;

constexpr int64_t kBudget = int64_t{96} << 20;  // 96 MiB
constexpr int kUploads = 200;
constexpr size_t kFileBytes = 14 * 1000 * 1000;
constexpr size_t kChunk = 1 << 20;

// A /proc/<pid>/status figure in bytes ("VmRSS", "VmHWM"); -1 if unreadable.
int64_t ProcStatusBytes(pid_t pid, const std::string& key) {
  std::ifstream in(absl::StrCat("/proc/", pid, "/status"));
  std::string line;
  while (std::getline(in, line)) {
    absl::string_view rest = line;
    if (!absl::ConsumePrefix(&rest, key + ":")) continue;
    rest = absl::StripAsciiWhitespace(rest);
    absl::ConsumeSuffix(&rest, " kB");
    int64_t kb = 0;
    if (absl::SimpleAtoi(rest, &kb)) return kb * 1024;
  }
  return -1;
}

class UploadBudgetTest : public GatewayFixture {
 protected:
  std::vector<std::string> ExtraGatewayArgs() override {
    return {absl::StrCat("--upload_buffer_budget_bytes=", kBudget),
            "--max_concurrent_uploads=200", "--upstream_timeout=60s"};
  }
  std::vector<std::string> ExtraSandboxArgs() override {
    return {"--max_image_bytes=16000000", "--accept_pdf_parts"};
  }
};

TEST_F(UploadBudgetTest, ConcurrentLargeUploadsStayWithinTheBudget) {
  v1::CreateAccountResponse created = Create(2, "upload-budget");
  const std::string part = Parts(created.workflow_execution())["FRONT"];
  ASSERT_FALSE(part.empty());

  std::string pdf = "%PDF-1.7\n";
  pdf.resize(kFileBytes, 'p');
  const pid_t pid = gateway_->pid();
  const int64_t rss_before = ProcStatusBytes(pid, "VmRSS");

  std::atomic<bool> sampling{true};
  std::atomic<int64_t> rss_peak{rss_before};
  std::thread sampler([&] {
    while (sampling) {
      const int64_t rss = ProcStatusBytes(pid, "VmRSS");
      if (rss > rss_peak) rss_peak = rss;
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    }
  });

  std::atomic<int> ok{0}, refused{0}, refused_with_retry{0}, other{0};
  std::atomic<int> go{0};
  std::vector<std::string> others(kUploads);
  const absl::Time start = absl::Now();
  std::vector<std::thread> clients;
  for (int i = 0; i < kUploads; ++i) {
    clients.emplace_back([&, i] {
      while (go.load() == 0) std::this_thread::yield();
      auto context = Context(120);
      v1::UploadCredentialPartResponse response;
      auto stream =
          credentials_->UploadCredentialPart(context.get(), &response);
      v1::UploadCredentialPartRequest first;
      first.mutable_metadata()->set_name(part);
      first.mutable_metadata()->set_mode(v1::UPLOAD_MODE_REPLACE);
      // Half declare their size (leased exactly), half do not (leased at
      // the image limit, grown to the PDF limit at the first chunk).
      if (i % 2 == 0) first.mutable_metadata()->set_size_bytes(kFileBytes);
      bool open = stream->Write(first);
      for (size_t offset = 0; open && offset < pdf.size(); offset += kChunk) {
        v1::UploadCredentialPartRequest next;
        next.set_chunk(pdf.substr(offset, kChunk));
        open = stream->Write(next);
      }
      if (open) stream->WritesDone();
      grpc::Status status = stream->Finish();
      if (status.ok()) {
        ++ok;
      } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
        ++refused;
        const ErrorDetails details = DetailsOf(status);
        if (details.retry && details.reason == "UPLOAD_BUDGET_EXHAUSTED") {
          ++refused_with_retry;
        }
      } else {
        ++other;
        others[i] =
            absl::StrCat(status.error_code(), " ", status.error_message());
      }
    });
  }
  go = 1;
  for (std::thread& client : clients) client.join();
  const absl::Duration took = absl::Now() - start;
  sampling = false;
  sampler.join();
  const int64_t hwm = ProcStatusBytes(pid, "VmHWM");
  const int64_t rss_after = ProcStatusBytes(pid, "VmRSS");

  std::printf(
      "upload budget %lld MiB: %d uploads of %zu bytes in %.1f s: %d ok, %d "
      "RESOURCE_EXHAUSTED (%d with RetryInfo), %d other\n"
      "gateway RSS before %.1f MiB, peak sampled %.1f MiB, VmHWM %.1f MiB, "
      "after %.1f MiB\n",
      static_cast<long long>(kBudget >> 20), kUploads, kFileBytes,
      absl::ToDoubleSeconds(took), ok.load(), refused.load(),
      refused_with_retry.load(), other.load(), rss_before / 1048576.0,
      rss_peak.load() / 1048576.0, hwm / 1048576.0, rss_after / 1048576.0);
  for (const std::string& o : others) {
    if (!o.empty()) std::printf("other: %s\n", o.c_str());
  }

  EXPECT_EQ(ok + refused + other, kUploads);
  EXPECT_EQ(other, 0);
  EXPECT_GT(ok, 0);
  EXPECT_GT(refused, 0);
  EXPECT_EQ(refused_with_retry, refused);
  // Peak memory of the whole process (VmHWM is the kernel's high-water mark,
  // so no sample can miss it).
  EXPECT_LT(hwm, kBudget + (int64_t{100} << 20));
  EXPECT_LT(took, absl::Seconds(120));
}

}  // namespace
}  // namespace jumio_gateway::testing
