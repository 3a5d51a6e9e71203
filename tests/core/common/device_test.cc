#include "core/common/device.h"

#include <ATen/ATen.h>

#include "core/common/device_marker.h"
#include "core/common/device_memory.h"
#include "gtest/gtest.h"
#include "tests/testing/cuda_device.h"

namespace itaclip {
namespace {

TEST(ParseDeviceTest, AcceptsCpuAndWellFormedCudaNames) {
  absl::StatusOr<c10::Device> cpu = ParseDevice("cpu");
  ASSERT_TRUE(cpu.ok());
  EXPECT_TRUE(cpu->is_cpu());
  for (const char* name : {"cuda", "cuda:0", "cuda:3"}) {
    absl::StatusOr<c10::Device> cuda = ParseDevice(name);
    if (at::hasCUDA()) {
      ASSERT_TRUE(cuda.ok()) << name;
      EXPECT_TRUE(cuda->is_cuda());
    } else {
      // Well formed, but this LibTorch has no CUDA: a precondition, not a bad argument.
      EXPECT_EQ(cuda.status().code(), absl::StatusCode::kFailedPrecondition) << name;
    }
  }
}

TEST(ParseDeviceTest, RejectsMalformedNames) {
  for (const char* name : {"", "gpu", "CPU", "cuda:", "cuda:-1", "cuda:x", "cuda0", "cpu:0"}) {
    absl::StatusOr<c10::Device> device = ParseDevice(name);
    EXPECT_EQ(device.status().code(), absl::StatusCode::kInvalidArgument) << "'" << name << "'";
  }
}

TEST(DeviceTest, ComputeDtypeIsHalfOnCudaAndFloatOnCpu) {
  EXPECT_EQ(DefaultComputeDtype(c10::Device(c10::kCPU)), c10::kFloat);
  EXPECT_EQ(DefaultComputeDtype(c10::Device(c10::kCUDA, 0)), c10::kHalf);
}

TEST(DeviceMemoryTest, CpuHasNoDeviceMemoryButAResidentPeak) {
  const DeviceMemoryStats stats = GetDeviceMemoryStats(c10::Device(c10::kCPU));
  EXPECT_EQ(stats.allocated_bytes, 0);
  EXPECT_EQ(stats.peak_allocated_bytes, 0);
  // Touch 64 MiB: the process's peak resident size must reach at least that.
  at::Tensor block = at::ones({16 << 20}, at::kFloat);
  EXPECT_GE(PeakResidentBytes(), block.nbytes());
}

TEST(DeviceTest, UploadToTheCpuIsTheTensorItself) {
  const at::Tensor host = at::arange(6, at::kFloat);
  const at::Tensor same = UploadToDevice(host, c10::Device(c10::kCPU));
  EXPECT_EQ(same.data_ptr(), host.data_ptr());
}

TEST(DeviceMarkerTest, CpuWorkIsDoneWhenQueuedSoMarkersAreReachedAtOnce) {
  EXPECT_TRUE(DeviceMarker().Reached());
  const DeviceMarker marker = DeviceMarker::Record(c10::Device(c10::kCPU));
  EXPECT_TRUE(marker.Reached());
  marker.Wait();  // returns at once
}

TEST(DeviceMarkerTest, CudaMarkersAreReachedAfterTheQueuedWork) {
  SKIP_WITHOUT_CUDA_DEVICE();
  const c10::Device cuda(c10::kCUDA, 0);
  at::Tensor x = at::randn({4096, 4096}, at::TensorOptions().device(cuda));
  for (int i = 0; i < 8; ++i) x = at::matmul(x, x).div_(4096);
  const DeviceMarker marker = DeviceMarker::Record(cuda);
  marker.Wait();
  EXPECT_TRUE(marker.Reached());
  EXPECT_TRUE(at::isfinite(x).all().item<bool>());
}

}  // namespace
}  // namespace itaclip
