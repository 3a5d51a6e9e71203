#include "core/pipeline/normalize.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include "core/pipeline/pipeline_params.h"

namespace itaclip::pipeline {

at::Tensor NormalizeToTensor(const cv::Mat& bgr_u8) {
  TORCH_CHECK(!bgr_u8.empty() && bgr_u8.type() == CV_8UC3,
              "NormalizeToTensor: expected a non-empty CV_8UC3 image, got type ", bgr_u8.type(),
              " of size ", bgr_u8.cols, "x", bgr_u8.rows);
  const cv::Mat image = bgr_u8.isContinuous() ? bgr_u8 : bgr_u8.clone();
  // from_blob does not own the pixels; the float conversion below copies them
  // out of `image`.
  const at::Tensor hwc_bgr = at::from_blob(image.data, {image.rows, image.cols, 3}, at::kByte);
  const at::Tensor rgb = hwc_bgr.permute({2, 0, 1}).flip({0}).to(at::kFloat);
  const at::Tensor mean =
      at::tensor({kPixelMeanRgb[0], kPixelMeanRgb[1], kPixelMeanRgb[2]}, at::kFloat)
          .view({3, 1, 1});
  const at::Tensor std =
      at::tensor({kPixelStdRgb[0], kPixelStdRgb[1], kPixelStdRgb[2]}, at::kFloat).view({3, 1, 1});
  return ((rgb - mean) / std).unsqueeze(0).contiguous();
}

}  // namespace itaclip::pipeline
