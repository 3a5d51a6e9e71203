#include "client/input/read_image.h"

#include <cstdint>
#include <opencv2/imgcodecs.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/input/read_file.h"
#include "core/common/status_macros.h"

namespace itaclip::client {

absl::StatusOr<cv::Mat> DecodeImageBytes(const std::string& bytes, const std::string& path) {
  cv::Mat image;
  if (!bytes.empty()) {
    const std::vector<uint8_t> buffer(bytes.begin(), bytes.end());
    try {
      image = cv::imdecode(buffer, cv::IMREAD_COLOR);
    } catch (const cv::Exception&) {
      image = cv::Mat();  // a corrupt file some decoder throws on: the same error as below
    }
  }
  if (image.empty()) {
    return absl::InvalidArgumentError(
        absl::StrCat("cannot read image ", path, ": not an image format OpenCV can decode"));
  }
  return image;
}

absl::StatusOr<cv::Mat> ReadImage(const std::string& path) {
  absl::StatusOr<std::string> bytes = ReadFileToString(path, "image");
  if (absl::IsNotFound(bytes.status())) {
    return absl::NotFoundError(absl::StrCat("cannot read image ", path, ": no such file"));
  }
  if (!bytes.ok()) return bytes.status();
  return DecodeImageBytes(*bytes, path);
}

}  // namespace itaclip::client
