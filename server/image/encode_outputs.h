// A segmentation's outputs in their wire form: the label map as PNG or raw bytes, the class scores
// as float16 or float32 bytes (segmentation_service.proto's LabelMap and ClassScores).
#ifndef ITACLIP_SERVER_IMAGE_ENCODE_OUTPUTS_H_
#define ITACLIP_SERVER_IMAGE_ENCODE_OUTPUTS_H_

#include <opencv2/core/mat.hpp>

#include "absl/status/status.h"
#include "itaclip/v1/segmentation_service.pb.h"

namespace at {
class Tensor;
}  // namespace at

namespace itaclip::server {

// labels: a CV_8UC1 or CV_16UC1 class map. PNG writes an 8-bit or 16-bit greyscale PNG to match;
// RAW writes row-major uint8, or uint16 little-endian. Sets every field of `out`.
// INVALID_ARGUMENT for an empty map, another type, or an unknown format.
absl::Status EncodeLabelMap(const cv::Mat& labels, v1::LabelFormat format, v1::LabelMap* out);

// scores: [classes, H, W] float32 on the CPU. FLOAT32 writes IEEE single, FLOAT16 IEEE half
// rounded to nearest-even, both little-endian and row-major; NONE leaves `out` untouched.
// INVALID_ARGUMENT for another shape, dtype or device, or an unknown format.
absl::Status EncodeScores(const at::Tensor& scores, v1::ScoreFormat format, v1::ClassScores* out);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_IMAGE_ENCODE_OUTPUTS_H_
