// Device selection: "cpu", "cuda" or "cuda:N", checked against what this LibTorch build offers.
#ifndef ITACLIP_CORE_COMMON_DEVICE_H_
#define ITACLIP_CORE_COMMON_DEVICE_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>
#include <c10/core/ScalarType.h>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace itaclip {

// INVALID_ARGUMENT for a malformed name; FAILED_PRECONDITION when CUDA is asked for but absent.
absl::StatusOr<c10::Device> ParseDevice(absl::string_view name);

// The compute dtype the method uses on a device: fp16 on CUDA (as the reference runs), fp32 on CPU.
c10::ScalarType DefaultComputeDtype(const c10::Device& device);

// Waits until the work queued on `device` (its current stream) is done, so host timings measure
// it; a no-op on the CPU. Implemented as a one-element device-to-host copy, which works with
// LibTorch builds with or without CUDA headers.
void SynchronizeDevice(const c10::Device& device);

// `host` (a CPU tensor) on `device` without making the host wait for the device: on CUDA it is
// staged in pinned memory and copied asynchronously on the current stream (a copy from pageable
// memory may synchronise with the stream first); the caching host allocator keeps the staging
// buffer until the copy has run, so `host` may be freed at once. On the CPU, `host` itself.
at::Tensor UploadToDevice(const at::Tensor& host, const c10::Device& device);

}  // namespace itaclip

#endif  // ITACLIP_CORE_COMMON_DEVICE_H_
