// Reads an input image as the offline pipeline and the overlay need it: BGR, 8-bit, 3 channels.
#ifndef ITACLIP_CLIENT_INPUT_READ_IMAGE_H_
#define ITACLIP_CLIENT_INPUT_READ_IMAGE_H_

#include <opencv2/core/mat.hpp>
#include <string>

#include "absl/status/statusor.h"

namespace itaclip::client {

// Decodes `bytes` (read from `path`, which names the image in errors) with cv::imdecode, as the
// reference's mmcv loader does. INVALID_ARGUMENT when OpenCV cannot decode them.
absl::StatusOr<cv::Mat> DecodeImageBytes(const std::string& bytes, const std::string& path);

// Reads and decodes `path`: NOT_FOUND for a missing file (so that it and an undecodable file get
// distinct errors), then DecodeImageBytes's errors.
absl::StatusOr<cv::Mat> ReadImage(const std::string& path);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_INPUT_READ_IMAGE_H_
