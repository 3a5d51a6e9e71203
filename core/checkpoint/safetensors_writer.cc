#include "core/checkpoint/safetensors_writer.h"

#include <ATen/ATen.h>

#include <cstdint>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/common/torch_error_guard.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "safetensors_writer.cc assumes a little-endian host"
#endif

namespace itaclip::checkpoint {
namespace {

absl::StatusOr<const char*> DtypeName(const std::string& key, const at::Tensor& tensor) {
  switch (tensor.scalar_type()) {
    case at::kHalf:
      return "F16";
    case at::kBFloat16:
      return "BF16";
    case at::kFloat:
      return "F32";
    default:
      return absl::InvalidArgumentError(absl::StrCat(
          "safetensors writer: tensor '", key, "' has dtype ", c10::toString(tensor.scalar_type()),
          "; only F16, BF16 and F32 are written"));
  }
}

}  // namespace

absl::Status WriteSafetensors(const StateDict& tensors, const std::string& path) {
  return GuardTorch(absl::StrCat("safetensors writer ", path), [&]() -> absl::Status {
    nlohmann::json header = nlohmann::json::object();
    header["__metadata__"] = {{"format", "pt"}};
    std::vector<at::Tensor> data;  // CPU contiguous, in key order
    uint64_t offset = 0;
    for (const auto& [key, tensor] : tensors) {  // std::map iterates in sorted key order
      if (key == "__metadata__") {
        return absl::InvalidArgumentError(
            "safetensors writer: \"__metadata__\" is reserved and cannot "
            "name a tensor");
      }
      if (!tensor.defined()) {
        return absl::InvalidArgumentError(
            absl::StrCat("safetensors writer: tensor '", key, "' is undefined"));
      }
      absl::StatusOr<const char*> dtype = DtypeName(key, tensor);
      if (!dtype.ok()) return dtype.status();
      at::Tensor cpu = tensor.to(at::kCPU).contiguous();
      const uint64_t bytes = cpu.numel() * cpu.element_size();
      header[key] = {{"dtype", *dtype},
                     {"shape", cpu.sizes().vec()},
                     {"data_offsets", {offset, offset + bytes}}};
      offset += bytes;
      data.push_back(std::move(cpu));
    }

    std::string text = header.dump();
    // The reference implementation pads with spaces so that the data
    // section is 8-byte aligned.
    text.append((8 - text.size() % 8) % 8, ' ');
    unsigned char length[8];
    uint64_t n = text.size();
    for (unsigned char& byte : length) {
      byte = static_cast<unsigned char>(n & 0xff);
      n >>= 8;
    }

    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    if (!out) return absl::InternalError(absl::StrCat("safetensors writer: cannot create ", path));
    out.write(reinterpret_cast<const char*>(length), sizeof(length));
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    for (const at::Tensor& tensor : data) {
      out.write(static_cast<const char*>(tensor.data_ptr()),
                static_cast<std::streamsize>(tensor.numel() * tensor.element_size()));
    }
    out.close();
    if (!out) return absl::InternalError(absl::StrCat("safetensors writer: failed writing ", path));
    return absl::OkStatus();
  });
}

}  // namespace itaclip::checkpoint
