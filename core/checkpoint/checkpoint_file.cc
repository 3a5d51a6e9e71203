#include "core/checkpoint/checkpoint_file.h"

#include <filesystem>
#include <fstream>
#include <system_error>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace itaclip::checkpoint {

absl::StatusOr<uint64_t> RegularFileSize(const std::string& path, absl::string_view what) {
  std::error_code error;
  const std::filesystem::file_status status = std::filesystem::status(path, error);
  if (status.type() == std::filesystem::file_type::not_found) {
    return absl::NotFoundError(absl::StrCat(what, " ", path, ": no such file"));
  }
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, ": cannot inspect the file: ", error.message()));
  }
  if (status.type() != std::filesystem::file_type::regular) {
    return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": not a regular file"));
  }
  const uintmax_t size = std::filesystem::file_size(path, error);
  if (error) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, ": cannot read the file size: ", error.message()));
  }
  return static_cast<uint64_t>(size);
}

absl::StatusOr<std::string> ReadFileBytes(const std::string& path, uint64_t offset, uint64_t length,
                                          absl::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::InvalidArgumentError(absl::StrCat(what, " ", path, ": cannot open"));
  std::string bytes(length, '\0');
  in.seekg(static_cast<std::streamoff>(offset));
  in.read(bytes.data(), static_cast<std::streamsize>(length));
  if (!in || static_cast<uint64_t>(in.gcount()) != length) {
    return absl::InvalidArgumentError(
        absl::StrCat(what, " ", path, ": could not read ", length, " bytes at offset ", offset));
  }
  return bytes;
}

}  // namespace itaclip::checkpoint
