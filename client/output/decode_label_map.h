// Turns the label map of a SegmentResponse (PNG or raw bytes) back into an image, checking it
// against the sizes the response states, so that a malformed answer is an error and not a crash.
#ifndef ITACLIP_CLIENT_OUTPUT_DECODE_LABEL_MAP_H_
#define ITACLIP_CLIENT_OUTPUT_DECODE_LABEL_MAP_H_

#include <cstddef>
#include <opencv2/core/mat.hpp>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "itaclip/v1/segmentation_service.pb.h"

namespace itaclip::client {

// CV_8U for 8 bits per pixel, CV_16U for 16, of labels.height() x labels.width(). PNG data is
// decoded as stored (no conversion); RAW data is row-major bytes, or little-endian uint16 pairs.
// INVALID_ARGUMENT when the width or height is not positive, the bit depth is not 8 or 16, the raw
// data size is not width·height·bytes per pixel, the PNG does not decode, or it decodes to another
// size, channel count or depth than stated.
absl::StatusOr<cv::Mat> DecodeLabelMap(const v1::LabelMap& labels);

// INVALID_ARGUMENT when some label is not below `num_classes` (it would name no class).
absl::Status CheckLabelsBelow(const cv::Mat& labels, size_t num_classes);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_OUTPUT_DECODE_LABEL_MAP_H_
