// The keep-ratio rescale of the test pipeline (spec §4.2, pitfall 15; mmcv
// `imrescale` with scale (long_side_limit, short_side)).
#ifndef ITACLIP_CORE_PIPELINE_RESIZE_H_
#define ITACLIP_CORE_PIPELINE_RESIZE_H_

#include <opencv2/core/mat.hpp>
#include <opencv2/core/types.hpp>

namespace itaclip::pipeline {

// The size (width x height) an image of `original` size is rescaled to:
// f = min(long_side_limit / max(h, w), short_side / min(h, w)) and new = int(x
// * f + 0.5), computed in double exactly as mmcv does. It may upscale. Returns
// an empty size (0x0) if any input is not positive; a result side may round to
// 0 for extreme aspect ratios (callers must reject that). Pure function,
// thread-safe.
cv::Size RescaledSize(cv::Size original, int short_side, int long_side_limit);

// Resizes a BGR uint8 image (CV_8UC3, any strides) to RescaledSize with
// cv::resize INTER_LINEAR on the uint8 data (OpenCV's fixed-point bilinear, as
// the reference). Returns a new Mat; the input is not modified. Throws
// cv::Exception (a std::exception, which GuardTorch converts) if the image is
// empty or not CV_8UC3, or if the target size has a zero side. Thread-safe.
cv::Mat RescaleImage(const cv::Mat& bgr_u8, int short_side, int long_side_limit);

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_RESIZE_H_
