// The one door to OpenCV's imgcodecs (compressed image formats) for server/ and client/. A build
// made with -DITACLIP_IMAGE_CODECS=OFF links no_image_codecs.cc instead of opencv_image_codecs.cc:
// its functions answer UNIMPLEMENTED, so such a server takes raw pixels and answers raw label maps
// only. That build exists for the GPU machine, where Debian's imgcodecs (built against GDAL,
// OpenEXR and GDCM) cannot be installed.
#ifndef ITACLIP_IMAGE_CODECS_IMAGE_CODECS_H_
#define ITACLIP_IMAGE_CODECS_IMAGE_CODECS_H_

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace itaclip::image_codecs {

// How Decode converts what it reads.
enum class DecodeMode {
  kBgr,        // 8-bit, 3 channels, BGR (cv::IMREAD_COLOR)
  kUnchanged,  // as stored: depth and channels of the file (cv::IMREAD_UNCHANGED)
};

// Whether this build has the codecs.
bool Available();

// UNIMPLEMENTED, naming `what` ("decoding the JPEG image", ...) and the build option; what every
// function below returns in a build without codecs.
absl::Status Unavailable(const std::string& what);

// cv::imdecode: an empty Mat when OpenCV cannot decode the bytes. May throw cv::Exception (some
// decoders throw on corrupt input), as cv::imdecode does.
absl::StatusOr<cv::Mat> Decode(const cv::Mat& bytes, DecodeMode mode);

// cv::imencode(extension, image, *out): false when OpenCV cannot encode the image in that format.
// May throw cv::Exception.
absl::StatusOr<bool> Encode(const std::string& extension, const cv::Mat& image,
                            std::vector<uint8_t>* out);

// cv::imwrite: false when OpenCV cannot write the file. May throw cv::Exception.
absl::StatusOr<bool> Write(const std::string& path, const cv::Mat& image);

}  // namespace itaclip::image_codecs

#endif  // ITACLIP_IMAGE_CODECS_IMAGE_CODECS_H_
