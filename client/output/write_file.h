// Writes the command's output files: encoded images and bytes received from the server.
#ifndef ITACLIP_CLIENT_OUTPUT_WRITE_FILE_H_
#define ITACLIP_CLIENT_OUTPUT_WRITE_FILE_H_

#include <opencv2/core/mat.hpp>
#include <string>

#include "absl/status/status.h"

namespace itaclip::client {

// Encodes `image` in the format its extension names (cv::imwrite). INVALID_ARGUMENT for an
// extension OpenCV does not know or an image it cannot store that way; PERMISSION_DENIED when
// writing fails.
absl::Status WriteImage(const std::string& path, const cv::Mat& image);

// Writes `bytes` as the whole file. PERMISSION_DENIED when it cannot be created or written.
absl::Status WriteBytes(const std::string& path, const std::string& bytes);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_OUTPUT_WRITE_FILE_H_
