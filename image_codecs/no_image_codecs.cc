// image_codecs.h without codecs (ITACLIP_IMAGE_CODECS=OFF): every operation is UNIMPLEMENTED.
#include "absl/strings/str_cat.h"
#include "image_codecs/image_codecs.h"

namespace itaclip::image_codecs {

bool Available() { return false; }

absl::StatusOr<cv::Mat> Decode(const cv::Mat& /*bytes*/, DecodeMode /*mode*/) {
  return Unavailable("decoding an image");
}

absl::StatusOr<bool> Encode(const std::string& extension, const cv::Mat& /*image*/,
                            std::vector<uint8_t>* /*out*/) {
  return Unavailable(absl::StrCat("encoding a ", extension, " image"));
}

absl::StatusOr<bool> Write(const std::string& path, const cv::Mat& /*image*/) {
  return Unavailable(absl::StrCat("writing the image ", path));
}

}  // namespace itaclip::image_codecs
