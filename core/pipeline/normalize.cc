#include "core/pipeline/normalize.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <array>

#include "core/common/device.h"
#include "core/pipeline/pipeline_params.h"

namespace itaclip::pipeline {

namespace {

// [3, 1, 1] float32 on the device of `options`, built there (no host-to-device copy).
at::Tensor PerChannel(const std::array<float, 3>& values, const at::TensorOptions& options) {
  return at::cat({at::full({1, 1, 1}, values[0], options), at::full({1, 1, 1}, values[1], options),
                  at::full({1, 1, 1}, values[2], options)});
}

}  // namespace

at::Tensor NormalizeToTensor(const cv::Mat& bgr_u8, const c10::Device& device) {
  TORCH_CHECK(!bgr_u8.empty() && bgr_u8.type() == CV_8UC3,
              "NormalizeToTensor: expected a non-empty CV_8UC3 image, got type ", bgr_u8.type(),
              " of size ", bgr_u8.cols, "x", bgr_u8.rows);
  const cv::Mat image = bgr_u8.isContinuous() ? bgr_u8 : bgr_u8.clone();
  // from_blob does not own the pixels: the upload (CUDA: into a pinned buffer) or, on the CPU, the
  // float conversion below copies them out of `image` before it goes.
  const at::Tensor hwc_bgr =
      UploadToDevice(at::from_blob(image.data, {image.rows, image.cols, 3}, at::kByte), device);
  const at::Tensor rgb = hwc_bgr.permute({2, 0, 1}).flip({0}).to(at::kFloat);
  const at::TensorOptions options = rgb.options();
  return ((rgb - PerChannel(kPixelMeanRgb, options)) / PerChannel(kPixelStdRgb, options))
      .unsqueeze(0)
      .contiguous();
}

}  // namespace itaclip::pipeline
