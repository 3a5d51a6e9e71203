#include "client/input/read_image.h"

#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

#include "absl/strings/str_cat.h"
#include "client/input/read_file.h"
#include "core/common/status_macros.h"
#include "image_codecs/image_codecs.h"

namespace itaclip::client {

absl::StatusOr<cv::Mat> DecodeImageBytes(const std::string& bytes, const std::string& path) {
  if (!image_codecs::Available()) {
    return image_codecs::Unavailable(absl::StrCat("reading the image ", path));
  }
  cv::Mat image;
  if (!bytes.empty()) {
    // A header over the bytes, not a copy: decoding only reads its input.
    const cv::Mat buffer(1, static_cast<int>(bytes.size()), CV_8UC1,
                         const_cast<char*>(bytes.data()));
    try {
      ASSIGN_OR_RETURN(image, image_codecs::Decode(buffer, image_codecs::DecodeMode::kBgr));
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
