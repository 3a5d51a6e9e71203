// The LibTorch in use has no CUDA: there is no device memory to report.
#include "core/common/device_memory.h"

namespace itaclip {

DeviceMemoryStats GetDeviceMemoryStats(const c10::Device&) { return {}; }

void ResetPeakDeviceMemory(const c10::Device&) {}

}  // namespace itaclip
