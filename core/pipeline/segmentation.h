// The result of segmenting one image.
#ifndef ITACLIP_CORE_PIPELINE_SEGMENTATION_H_
#define ITACLIP_CORE_PIPELINE_SEGMENTATION_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <vector>

namespace itaclip::pipeline {

struct StageTimings {
  double preprocess_ms = 0;   // resize, normalise, crop views
  double model_ms = 0;        // ViT passes and logit fusion
  double postprocess_ms = 0;  // overlap average, resize, PAMR, softmax, thresholds, closing
};

struct Segmentation {
  // Class index per pixel at the original image size: CV_8U for up to 256 classes, else CV_16U.
  cv::Mat labels;
  // [classes, H, W] float32 on the CPU: class probabilities after the query softmax and the
  // per-class max, before the area and probability thresholds. Undefined unless requested.
  at::Tensor scores;
  std::vector<int64_t> class_pixel_counts;  // pixels of each class in `labels`
  int64_t crops = 0;                        // sliding windows (each ran as 5 ViT views)
  StageTimings timings;
};

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_SEGMENTATION_H_
