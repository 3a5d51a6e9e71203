// A request's image (encoded bytes or raw pixels) as the CV_8UC3 BGR cv::Mat at its original size
// that core's pipeline::SegmentJob::Prepare takes. The only user of OpenCV's imgcodecs in server/.
#ifndef ITACLIP_SERVER_IMAGE_DECODE_IMAGE_H_
#define ITACLIP_SERVER_IMAGE_DECODE_IMAGE_H_

#include <cstdint>
#include <opencv2/core/mat.hpp>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "itaclip/v1/segmentation_service.pb.h"

namespace itaclip::server {

// Reads the header first (image_header.h) and refuses an image of more than `max_decoded_pixels`
// with RESOURCE_EXHAUSTED before any decoding, so a small file that would decode to a huge image
// costs nothing. Then decodes with cv::IMREAD_COLOR: grey, alpha and 16-bit images become 8-bit
// BGR, and a JPEG's EXIF orientation is applied (as the client and the reference do, so a quarter
// turn swaps the header's width and height). INVALID_ARGUMENT for a bad header, an image OpenCV
// cannot decode, or a decoded size that disagrees with the header.
absl::StatusOr<cv::Mat> DecodeEncodedImage(absl::string_view encoded, int64_t max_decoded_pixels);

// The checks of a raw image, cheap enough for the gRPC thread: INVALID_ARGUMENT for a non-positive
// size, an unspecified or unknown format, or a pixel buffer that is not exactly
// width·height·channels bytes; RESOURCE_EXHAUSTED above `max_decoded_pixels` (checked first).
absl::Status ValidateRawImage(const v1::RawImage& raw, int64_t max_decoded_pixels);

// ValidateRawImage, then copies the pixels into a new BGR image.
absl::StatusOr<cv::Mat> ImageFromRawPixels(const v1::RawImage& raw, int64_t max_decoded_pixels);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_IMAGE_DECODE_IMAGE_H_
