// Image to network input: BGR uint8 -> normalised RGB float32 tensor (spec
// §4.4, mmseg SegDataPreProcessor).
#ifndef ITACLIP_CORE_PIPELINE_NORMALIZE_H_
#define ITACLIP_CORE_PIPELINE_NORMALIZE_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <opencv2/core/mat.hpp>

namespace itaclip::pipeline {

// Returns a new contiguous [1, 3, h, w] float32 tensor on `device` holding (x_rgb -
// kPixelMeanRgb) / kPixelStdRgb, channel 0 = R, computed in float32 as a
// subtraction then a division (as the reference). Only the uint8 pixels cross to
// the device (a quarter of the float bytes, asynchronously through pinned memory:
// UploadToDevice); the conversion runs there. The image must be a non-empty
// CV_8UC3 BGR Mat (any strides); it is read, not kept. Throws c10::Error
// otherwise (GuardTorch converts it). Thread-safe.
at::Tensor NormalizeToTensor(const cv::Mat& bgr_u8, const c10::Device& device = c10::kCPU);

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_NORMALIZE_H_
