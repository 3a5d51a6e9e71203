#include "client/output/write_file.h"

#include <fstream>
#include <opencv2/core.hpp>

#include "absl/strings/str_cat.h"
#include "core/common/status_macros.h"
#include "image_codecs/image_codecs.h"

namespace itaclip::client {

absl::Status WriteImage(const std::string& path, const cv::Mat& image) {
  bool written = false;
  try {
    ASSIGN_OR_RETURN(written, image_codecs::Write(path, image));
  } catch (const cv::Exception& e) {
    return absl::InvalidArgumentError(absl::StrCat("cannot write ", path, ": ", e.what()));
  }
  if (!written) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  return absl::OkStatus();
}

absl::Status WriteBytes(const std::string& path, const std::string& bytes) {
  std::ofstream file(path, std::ios::binary | std::ios::trunc);
  if (!file) return absl::PermissionDeniedError(absl::StrCat("cannot write ", path));
  file.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
  file.close();
  if (!file) return absl::PermissionDeniedError(absl::StrCat("error while writing ", path));
  return absl::OkStatus();
}

}  // namespace itaclip::client
