#include "tests/testing/cuda_device.h"

#include <ATen/Context.h>
#include <torch/version.h>

#include "absl/strings/str_cat.h"

namespace itaclip::testing {

std::string WhyNoCudaDevice() {
  if (at::hasCUDA()) return "";
#ifdef ITACLIP_TORCH_HAS_CUDA
  return absl::StrCat("needs a CUDA device, and this machine has none (LibTorch ", TORCH_VERSION,
                      " has CUDA: the CUDA code is compiled and linked)");
#else
  return absl::StrCat("needs a CUDA device, and LibTorch ", TORCH_VERSION,
                      " was built without CUDA");
#endif
}

}  // namespace itaclip::testing
