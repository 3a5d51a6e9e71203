#include "core/checkpoint/safetensors_header.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/checkpoint/checkpoint_file.h"
#include "core/checkpoint/shape_string.h"
#include "core/common/status_macros.h"

namespace itaclip::checkpoint {
namespace {

using Json = nlohmann::json;

struct DtypeEntry {
  const char* name;
  c10::ScalarType dtype;
  uint64_t size;
};

constexpr DtypeEntry kDtypes[] = {{"F16", c10::kHalf, 2},
                                  {"BF16", c10::kBFloat16, 2},
                                  {"F32", c10::kFloat, 4},
                                  {"F64", c10::kDouble, 8},
                                  {"I64", c10::kLong, 8}};

template <typename... Parts>
absl::Status Invalid(const std::string& path, const Parts&... parts) {
  return absl::InvalidArgumentError(absl::StrCat("safetensors ", path, ": ", parts...));
}

uint64_t DecodeLittleEndian64(const std::string& bytes) {
  uint64_t value = 0;
  for (int i = 7; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  return value;
}

// A JSON number that is a non-negative integer fitting int64_t, or nullopt.
std::optional<uint64_t> NonNegativeInteger(const Json& value) {
  if (!value.is_number_unsigned()) return std::nullopt;
  const auto number = value.get<uint64_t>();
  if (number > static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) return std::nullopt;
  return number;
}

// Parses and checks one header entry, except for its position within the data
// section.
absl::StatusOr<SafetensorsTensorInfo> ParseEntry(const std::string& name, const Json& entry) {
  SafetensorsTensorInfo info;
  info.name = name;
  if (!entry.is_object()) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': entry is not an object"));
  }
  const auto dtype = entry.find("dtype");
  const auto shape = entry.find("shape");
  const auto offsets = entry.find("data_offsets");
  if (dtype == entry.end() || !dtype->is_string()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", name, "': missing or non-string \"dtype\""));
  }
  if (shape == entry.end() || !shape->is_array()) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", name, "': missing or non-array \"shape\""));
  }
  if (offsets == entry.end() || !offsets->is_array() || offsets->size() != 2) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", name, "': \"data_offsets\" must be an array [begin, end]"));
  }

  info.dtype_name = dtype->get<std::string>();
  const DtypeEntry* found = nullptr;
  for (const DtypeEntry& candidate : kDtypes) {
    if (info.dtype_name == candidate.name) found = &candidate;
  }
  if (found == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "' has unsupported dtype ",
                                                   info.dtype_name,
                                                   " (supported: F16, BF16, F32, F64, I64)"));
  }
  info.dtype = found->dtype;

  // Overflow-checked numel * element size; the bound keeps every intermediate
  // below 2^63.
  uint64_t bytes = found->size;
  constexpr uint64_t kLimit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max());
  for (const Json& dim : *shape) {
    const std::optional<uint64_t> size = NonNegativeInteger(dim);
    if (!size) {
      return absl::InvalidArgumentError(absl::StrCat(
          "tensor '", name, "': shape has a dimension that is not a non-negative integer"));
    }
    if (*size != 0 && bytes > kLimit / *size) {
      return absl::InvalidArgumentError(absl::StrCat("tensor '", name, "': shape is too large"));
    }
    bytes *= *size;
    info.shape.push_back(static_cast<int64_t>(*size));
  }

  const std::optional<uint64_t> begin = NonNegativeInteger((*offsets)[0]);
  const std::optional<uint64_t> end = NonNegativeInteger((*offsets)[1]);
  if (!begin || !end || *end < *begin) {
    return absl::InvalidArgumentError(
        absl::StrCat("tensor '", name,
                     "': data_offsets are not integers [begin, end] with 0 <= "
                     "begin <= end"));
  }
  if (*end - *begin != bytes) {
    return absl::InvalidArgumentError(absl::StrCat(
        "tensor '", name, "': data_offsets [", *begin, ", ", *end, "] hold ", *end - *begin,
        " bytes, but ", info.dtype_name, " ", ShapeString(info.shape), " needs ", bytes));
  }
  info.begin = *begin;
  info.end = *end;
  return info;
}

absl::StatusOr<SafetensorsHeader> ParseHeader(const std::string& path, uint64_t file_size) {
  SafetensorsHeader header;
  header.file_size = file_size;
  if (file_size < 8) {
    return Invalid(path, "file has ", file_size, " bytes, fewer than the 8-byte header length");
  }
  ASSIGN_OR_RETURN(const std::string prefix, ReadFileBytes(path, 0, 8, "safetensors"));
  header.header_length = DecodeLittleEndian64(prefix);
  if (header.header_length > kMaxSafetensorsHeaderBytes) {
    return Invalid(path, "header length ", header.header_length, " exceeds the limit of ",
                   kMaxSafetensorsHeaderBytes, " bytes");
  }
  if (8 + header.header_length > file_size) {
    return Invalid(path, "truncated: header says ", 8 + header.header_length, " bytes, file has ",
                   file_size, " (the JSON header runs past the end)");
  }
  ASSIGN_OR_RETURN(const std::string text,
                   ReadFileBytes(path, 8, header.header_length, "safetensors"));
  Json json;
  try {
    json = Json::parse(text);
  } catch (const Json::exception& e) {
    return Invalid(path, "header is not valid JSON: ", e.what());
  }
  if (!json.is_object()) {
    return Invalid(path, "header is not a JSON object");
  }

  const uint64_t data_size = file_size - 8 - header.header_length;
  uint64_t max_end = 0;
  const SafetensorsTensorInfo* first_outside = nullptr;
  for (const auto& [name, entry] : json.items()) {
    if (name == "__metadata__") continue;
    absl::StatusOr<SafetensorsTensorInfo> info = ParseEntry(name, entry);
    if (!info.ok()) return Invalid(path, info.status().message());
    header.tensors.push_back(*std::move(info));
  }
  for (const SafetensorsTensorInfo& info : header.tensors) {
    max_end = std::max(max_end, info.end);
    if (info.end > data_size && first_outside == nullptr) first_outside = &info;
  }
  if (first_outside != nullptr) {
    return Invalid(path, "truncated: header says ", 8 + header.header_length + max_end,
                   " bytes, file has ", file_size, " (tensor '", first_outside->name,
                   "' data_offsets [", first_outside->begin, ", ", first_outside->end,
                   "] run past the ", data_size, "-byte data section)");
  }

  std::vector<const SafetensorsTensorInfo*> by_offset;
  for (const SafetensorsTensorInfo& info : header.tensors) {
    if (info.end > info.begin) by_offset.push_back(&info);
  }
  std::sort(by_offset.begin(), by_offset.end(),
            [](const auto* a, const auto* b) { return a->begin < b->begin; });
  for (size_t i = 1; i < by_offset.size(); ++i) {
    if (by_offset[i]->begin < by_offset[i - 1]->end) {
      return Invalid(path, "tensors '", by_offset[i - 1]->name, "' and '", by_offset[i]->name,
                     "' overlap");
    }
  }
  return header;
}

}  // namespace

absl::StatusOr<SafetensorsHeader> ReadSafetensorsHeader(const std::string& path) {
  ASSIGN_OR_RETURN(const uint64_t file_size, RegularFileSize(path, "safetensors"));
  return ParseHeader(path, file_size);
}

}  // namespace itaclip::checkpoint
