#include "core/common/torch_error_guard.h"

#include <ATen/ATen.h>

#include "gtest/gtest.h"

namespace itaclip {
namespace {

TEST(GuardTorchTest, PassesResultsThrough) {
  absl::StatusOr<int> value = GuardTorch("adding", []() -> absl::StatusOr<int> { return 3; });
  ASSERT_TRUE(value.ok());
  EXPECT_EQ(*value, 3);
  EXPECT_EQ(GuardTorch("failing", [] { return absl::NotFoundError("x"); }).code(),
            absl::StatusCode::kNotFound);
}

TEST(GuardTorchTest, TurnsATorchErrorIntoInternalWithContext) {
  const absl::Status status = GuardTorch("matmul of mismatched shapes", [] {
    at::matmul(at::ones({2, 3}), at::ones({4, 5}));
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_NE(status.message().find("matmul of mismatched shapes: "), absl::string_view::npos)
      << status;
}

TEST(GuardTorchTest, OutOfMemoryBecomesResourceExhausted) {
  const absl::Status host =
      GuardTorch("allocating", []() -> absl::Status { throw std::bad_alloc(); });
  EXPECT_EQ(host.code(), absl::StatusCode::kResourceExhausted);
  const absl::Status device = GuardTorch("allocating", []() -> absl::Status {
    throw c10::OutOfMemoryError(c10::SourceLocation{__func__, __FILE__, __LINE__}, "no room");
  });
  EXPECT_EQ(device.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_NE(device.message().find("out of device memory"), absl::string_view::npos) << device;
}

TEST(GuardTorchTest, TheCpuAllocatorsFailureBecomesAPlainResourceExhausted) {
  // 1 PiB: more than any x86-64 process can address, so the CPU allocator fails for real (a
  // plain c10::Error from alloc_cpu.cpp, not c10::OutOfMemoryError).
  const absl::Status status = GuardTorch("finish", []() -> absl::Status {
    at::empty({int64_t{1} << 50}, at::kByte);
    return absl::OkStatus();
  });
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted) << status;
  EXPECT_EQ(status.message(), "finish: out of host memory; retry later or send a smaller request");
}

}  // namespace
}  // namespace itaclip
