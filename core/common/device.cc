#include "core/common/device.h"

#include <ATen/Context.h>
#include <ATen/Functions.h>

#include <string>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"

namespace itaclip {

absl::StatusOr<c10::Device> ParseDevice(absl::string_view name) {
  if (name == "cpu") return c10::Device(c10::kCPU);
  absl::string_view rest = name;
  if (!absl::ConsumePrefix(&rest, "cuda")) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown device '", name, "': expected cpu, cuda or cuda:N"));
  }
  int index = 0;
  if (!rest.empty() &&
      (!absl::ConsumePrefix(&rest, ":") || !absl::SimpleAtoi(rest, &index) || index < 0)) {
    return absl::InvalidArgumentError(
        absl::StrCat("unknown device '", name, "': expected cpu, cuda or cuda:N"));
  }
  if (!at::hasCUDA()) {
    return absl::FailedPreconditionError(
        absl::StrCat("device '", name, "' asked for, but this LibTorch has no CUDA device"));
  }
  return c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(index));
}

c10::ScalarType DefaultComputeDtype(const c10::Device& device) {
  return device.is_cuda() ? c10::kHalf : c10::kFloat;
}

void SynchronizeDevice(const c10::Device& device) {
  if (device.is_cpu()) return;
  at::zeros({1}, at::TensorOptions().device(device)).cpu();
}

at::Tensor UploadToDevice(const at::Tensor& host, const c10::Device& device) {
  if (device.is_cpu()) return host;
  return host.pin_memory().to(device, /*non_blocking=*/true);
}

}  // namespace itaclip
