// image_codecs.h with OpenCV's imgcodecs (ITACLIP_IMAGE_CODECS=ON, the default).
#include <opencv2/imgcodecs.hpp>

#include "image_codecs/image_codecs.h"

namespace itaclip::image_codecs {

bool Available() { return true; }

absl::StatusOr<cv::Mat> Decode(const cv::Mat& bytes, DecodeMode mode) {
  return cv::imdecode(bytes, mode == DecodeMode::kBgr ? cv::IMREAD_COLOR : cv::IMREAD_UNCHANGED);
}

absl::StatusOr<bool> Encode(const std::string& extension, const cv::Mat& image,
                            std::vector<uint8_t>* out) {
  return cv::imencode(extension, image, *out);
}

absl::StatusOr<bool> Write(const std::string& path, const cv::Mat& image) {
  return cv::imwrite(path, image);
}

}  // namespace itaclip::image_codecs
