// Device memory from LibTorch's CUDA caching allocator.
#include <c10/cuda/CUDACachingAllocator.h>

#include "core/common/device_memory.h"

namespace itaclip {
namespace {

constexpr size_t kAggregate = 0;  // StatType::AGGREGATE: all memory pools together

}  // namespace

DeviceMemoryStats GetDeviceMemoryStats(const c10::Device& device) {
  if (!device.is_cuda()) return {};
  const auto stats =
      c10::cuda::CUDACachingAllocator::getDeviceStats(device.index() < 0 ? 0 : device.index());
  return {stats.allocated_bytes[kAggregate].current, stats.allocated_bytes[kAggregate].peak};
}

void ResetPeakDeviceMemory(const c10::Device& device) {
  if (device.is_cuda()) {
    c10::cuda::CUDACachingAllocator::resetPeakStats(device.index() < 0 ? 0 : device.index());
  }
}

}  // namespace itaclip
