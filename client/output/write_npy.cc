#include "client/output/write_npy.h"

#include <ATen/ATen.h>

#include <fstream>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace itaclip::client {

absl::Status WriteNpyFloat32(const at::Tensor& array, const std::string& path) {
  if (array.scalar_type() != at::kFloat || !array.device().is_cpu()) {
    return absl::InvalidArgumentError("npy writer expects a float32 CPU tensor");
  }
  const at::Tensor data = array.contiguous();
  std::string shape = absl::StrJoin(data.sizes(), ", ");
  if (data.dim() == 1) shape += ",";
  std::string header =
      absl::StrCat("{'descr': '<f4', 'fortran_order': False, 'shape': (", shape, "), }");
  // Magic (6) + version (2) + length (2) + header + '\n' must be a multiple of 64 bytes.
  const size_t unpadded = 10 + header.size() + 1;
  header.append((64 - unpadded % 64) % 64, ' ');
  header.push_back('\n');
  std::ofstream out(path, std::ios::binary);
  if (!out) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  const uint16_t header_length = static_cast<uint16_t>(header.size());
  out.write("\x93NUMPY\x01\x00", 8);
  const char length_bytes[2] = {static_cast<char>(header_length & 0xff),
                                static_cast<char>(header_length >> 8)};
  out.write(length_bytes, 2);
  out.write(header.data(), static_cast<std::streamsize>(header.size()));
  out.write(static_cast<const char*>(data.data_ptr()),
            static_cast<std::streamsize>(data.numel() * sizeof(float)));
  if (!out) return absl::DataLossError(absl::StrCat("failed writing ", path));
  return absl::OkStatus();
}

}  // namespace itaclip::client
