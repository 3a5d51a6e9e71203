// Device memory statistics of LibTorch's caching allocator (CUDA), for metrics and benchmarks.
// Built from device_memory_cuda.cc when LibTorch has CUDA, else device_memory_nocuda.cc.
#ifndef ITACLIP_CORE_COMMON_DEVICE_MEMORY_H_
#define ITACLIP_CORE_COMMON_DEVICE_MEMORY_H_

#include <c10/core/Device.h>

#include <cstdint>

namespace itaclip {

struct DeviceMemoryStats {
  int64_t allocated_bytes = 0;       // in use by tensors now
  int64_t peak_allocated_bytes = 0;  // highest since the last ResetPeakDeviceMemory
};

// Zeros on the CPU (or in a LibTorch without CUDA). Thread-safe.
DeviceMemoryStats GetDeviceMemoryStats(const c10::Device& device);
void ResetPeakDeviceMemory(const c10::Device& device);

// The process's peak resident set size (VmHWM), in bytes; 0 where /proc is unavailable.
int64_t PeakResidentBytes();

}  // namespace itaclip

#endif  // ITACLIP_CORE_COMMON_DEVICE_MEMORY_H_
