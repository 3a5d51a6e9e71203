// Writes a float32 tensor as a NumPy .npy file (format version 1.0, C order).
#ifndef ITACLIP_CLIENT_OUTPUT_WRITE_NPY_H_
#define ITACLIP_CLIENT_OUTPUT_WRITE_NPY_H_

#include <ATen/core/Tensor.h>

#include <string>

#include "absl/status/status.h"

namespace itaclip::client {

// `array` must be a float32 CPU tensor; it is written contiguously with its shape.
absl::Status WriteNpyFloat32(const at::Tensor& array, const std::string& path);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_OUTPUT_WRITE_NPY_H_
