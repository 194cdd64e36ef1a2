#include "server/api/buffer_budget.h"

#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "server/errors/errors.h"

namespace jumio_gateway::api {
namespace {

BufferBudget::Options Small() {
  BufferBudget::Options options;
  options.max_bytes = 100;
  options.max_uploads = 2;
  options.retry_delay = absl::Seconds(2);
  return options;
}

TEST(BufferBudgetTest, RefusesWhatDoesNotFitWithRetryInfo) {
  BufferBudget budget(Small());
  auto a = budget.Acquire(60, BufferBudget::Kind::kUpload);
  ASSERT_TRUE(a.ok());
  auto b = budget.Acquire(41, BufferBudget::Kind::kDownload);
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().code(), absl::StatusCode::kResourceExhausted);
  auto info = errors::GetErrorInfo(b.status());
  ASSERT_TRUE(info.has_value());
  EXPECT_EQ(info->reason(), "UPLOAD_BUDGET_EXHAUSTED");
  EXPECT_EQ(info->metadata().at("limitBytes"), "100");
  auto retry = errors::GetRetryInfo(b.status());
  ASSERT_TRUE(retry.has_value());
  EXPECT_EQ(retry->retry_delay().seconds(), 2);
  EXPECT_TRUE(budget.Acquire(40, BufferBudget::Kind::kDownload).ok());
  EXPECT_EQ(budget.snapshot().refused_bytes, 1u);
}

TEST(BufferBudgetTest, CapsConcurrentUploadsButNotDownloads) {
  BufferBudget budget(Small());
  auto a = budget.Acquire(1, BufferBudget::Kind::kUpload);
  auto b = budget.Acquire(1, BufferBudget::Kind::kUpload);
  ASSERT_TRUE(a.ok() && b.ok());
  auto c = budget.Acquire(1, BufferBudget::Kind::kUpload);
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_TRUE(budget.Acquire(1, BufferBudget::Kind::kDownload).ok());
  EXPECT_EQ(budget.snapshot().refused_streams, 1u);
  a->Release();
  EXPECT_TRUE(budget.Acquire(1, BufferBudget::Kind::kUpload).ok());
}

TEST(BufferBudgetTest, ResizeGrowsOnlyWhenItFitsAndReleaseReturnsAll) {
  BufferBudget budget(Small());
  {
    auto a = budget.Acquire(30, BufferBudget::Kind::kUpload);
    auto b = budget.Acquire(30, BufferBudget::Kind::kUpload);
    ASSERT_TRUE(a.ok() && b.ok());
    EXPECT_FALSE(a->Resize(71));  // 71 + 30 > 100
    EXPECT_EQ(a->bytes(), 30);
    EXPECT_TRUE(a->Resize(70));
    EXPECT_EQ(budget.snapshot().bytes, 100);
    EXPECT_TRUE(b->Resize(5));
    EXPECT_EQ(budget.snapshot().bytes, 75);
    BufferBudget::Lease moved = *std::move(b);
    EXPECT_EQ(budget.snapshot().uploads, 2);
  }
  const BufferBudget::Snapshot after = budget.snapshot();
  EXPECT_EQ(after.bytes, 0);
  EXPECT_EQ(after.uploads, 0);
}

TEST(BufferBudgetTest, NeverOvercommitsUnderConcurrency) {
  BufferBudget::Options options;
  options.max_bytes = 1000;
  options.max_uploads = 1000;
  BufferBudget budget(options);
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&budget] {
      for (int i = 0; i < 2000; ++i) {
        auto lease = budget.Acquire(300, BufferBudget::Kind::kUpload);
        if (lease.ok()) {
          EXPECT_LE(budget.snapshot().bytes, 1000);
          lease->Resize(i % 2 == 0 ? 100 : 400);
          EXPECT_LE(budget.snapshot().bytes, 1000);
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(budget.snapshot().bytes, 0);
}

}  // namespace
}  // namespace jumio_gateway::api
