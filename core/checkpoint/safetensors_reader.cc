#include "core/checkpoint/safetensors_reader.h"

#include <ATen/Functions.h>

#include <fstream>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/checkpoint/safetensors_header.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"

// safetensors stores little-endian data, which is copied byte for byte into the
// tensors.
#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors_reader.cc assumes a little-endian host"
#endif

namespace itaclip::checkpoint {

absl::StatusOr<StateDict> ReadSafetensors(const std::string& path) {
  ASSIGN_OR_RETURN(const SafetensorsHeader header, ReadSafetensorsHeader(path));
  return GuardTorch(absl::StrCat("safetensors ", path), [&]() -> absl::StatusOr<StateDict> {
    std::ifstream in(path, std::ios::binary);
    if (!in) {
      return absl::InvalidArgumentError(absl::StrCat("safetensors ", path, ": cannot open"));
    }
    const uint64_t data_start = 8 + header.header_length;
    StateDict tensors;
    for (const SafetensorsTensorInfo& info : header.tensors) {
      at::Tensor tensor = at::empty(info.shape, at::TensorOptions().dtype(info.dtype));
      const uint64_t bytes = info.end - info.begin;
      if (bytes > 0) {
        in.seekg(static_cast<std::streamoff>(data_start + info.begin));
        in.read(static_cast<char*>(tensor.data_ptr()), static_cast<std::streamsize>(bytes));
        if (!in || static_cast<uint64_t>(in.gcount()) != bytes) {
          return absl::InvalidArgumentError(absl::StrCat("safetensors ", path,
                                                         ": could not read the ", bytes,
                                                         " bytes of tensor '", info.name, "'"));
        }
      }
      tensors.emplace(info.name, std::move(tensor));
    }
    return tensors;
  });
}

}  // namespace itaclip::checkpoint
