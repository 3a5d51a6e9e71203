// The parsed, bounds-checked header of a safetensors file (format: 8-byte
// little-endian header length N, N bytes of JSON, then the data section that
// the JSON's data_offsets index into).
#ifndef ITACLIP_CORE_CHECKPOINT_SAFETENSORS_HEADER_H_
#define ITACLIP_CORE_CHECKPOINT_SAFETENSORS_HEADER_H_

#include <c10/core/ScalarType.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace itaclip::checkpoint {

// The reference implementation's limit; a larger header is refused as
// implausible.
inline constexpr uint64_t kMaxSafetensorsHeaderBytes = 100'000'000;

struct SafetensorsTensorInfo {
  std::string name;
  std::string dtype_name;  // as written in the file: "F16", "BF16", "F32",
                           // "F64" or "I64"
  c10::ScalarType dtype = c10::kFloat;
  std::vector<int64_t> shape;  // {} for a scalar
  uint64_t begin = 0;          // byte offsets relative to the start of the data section
  uint64_t end = 0;
};

struct SafetensorsHeader {
  uint64_t file_size = 0;
  uint64_t header_length = 0;                  // N: the data section starts at byte 8 + N
  std::vector<SafetensorsTensorInfo> tensors;  // sorted by name; "__metadata__" is not a tensor
};

// Reads and checks the header of `path` without reading tensor data. Checks:
// the length prefix is present, at most kMaxSafetensorsHeaderBytes and within
// the file; the JSON parses to an object; each entry has a supported dtype
// (F16, BF16, F32, F64, and I64 because Hugging Face files carry int64
// position_ids buffers), a shape of non-negative integers and data_offsets
// [begin, end] with end - begin == numel * element size; every tensor lies
// inside the data section; tensors do not overlap. "__metadata__" is ignored.
// Thread-safe. Errors (messages start with "safetensors <path>: "): NOT_FOUND
// for a missing file; INVALID_ARGUMENT otherwise, e.g. "truncated: header says
// N bytes, file has M", "header is not valid JSON: ...", "tensor 'x' has
// unsupported dtype I8 ...".
absl::StatusOr<SafetensorsHeader> ReadSafetensorsHeader(const std::string& path);

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_SAFETENSORS_HEADER_H_
