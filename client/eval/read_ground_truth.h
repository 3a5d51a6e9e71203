// Reads a ground-truth label map as mmseg's LoadAnnotations does (Pillow, 'unchanged' mode, cast
// to uint8): the stored class indices, including those of palette PNGs such as VOC's
// SegmentationClass, which OpenCV alone would expand into colours.
#ifndef ITACLIP_CLIENT_EVAL_READ_GROUND_TRUTH_H_
#define ITACLIP_CLIENT_EVAL_READ_GROUND_TRUTH_H_

#include <opencv2/core/mat.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace itaclip::client {

// CV_8UC1 class indices of the PNG in `bytes` (`path` names it in errors):
// - 8-bit grayscale: the stored values;
// - palette (colour type 3, any bit depth): the palette index of each pixel, recovered from the
//   decoded colour and the file's PLTE chunk (a colour listed twice is read as its first index, as
//   palettes padded with black after the entries in use need).
// Any other PNG (RGB, alpha, 16-bit, gray below 8 bits) is INVALID_ARGUMENT saying what it is. A
// file that is not a PNG is decoded by OpenCV unchanged and must come out 8-bit single-channel.
absl::StatusOr<cv::Mat> DecodeGroundTruth(const std::string& bytes, const std::string& path);

// Reads `path` and decodes it as above; NOT_FOUND for a missing file.
absl::StatusOr<cv::Mat> ReadGroundTruth(const std::string& path);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_READ_GROUND_TRUTH_H_
