#include "core/pipeline/resize.h"

#include <algorithm>
#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

namespace itaclip::pipeline {

cv::Size RescaledSize(cv::Size original, int short_side, int long_side_limit) {
  const int w = original.width;
  const int h = original.height;
  if (w <= 0 || h <= 0 || short_side <= 0 || long_side_limit <= 0) return cv::Size();
  // mmcv rescale_size: both ratios are Python true divisions (double), and the
  // scale is then applied per side with int(x * f + 0.5), which truncates (the
  // values are positive).
  const double f = std::min(static_cast<double>(long_side_limit) / std::max(h, w),
                            static_cast<double>(short_side) / std::min(h, w));
  return cv::Size(static_cast<int>(w * f + 0.5), static_cast<int>(h * f + 0.5));
}

cv::Mat RescaleImage(const cv::Mat& bgr_u8, int short_side, int long_side_limit) {
  CV_Assert(!bgr_u8.empty() && bgr_u8.type() == CV_8UC3);
  const cv::Size size = RescaledSize(bgr_u8.size(), short_side, long_side_limit);
  CV_Assert(size.width > 0 && size.height > 0);
  cv::Mat resized;
  cv::resize(bgr_u8, resized, size, 0.0, 0.0, cv::INTER_LINEAR);
  return resized;
}

}  // namespace itaclip::pipeline
