// One image moving through the ITACLIP pipeline, split into stages so that a caller (the offline
// Segmenter, or a server's device thread) decides how crops are batched through the ViT:
//   Prepare()          resize, normalise, lay out the sliding windows        (spec §4, §5.1)
//   CropViews()        the 5 views of a range of crops                       (spec §5.2)
//   AddCropFeatures()  fuse their ViT features into logits and accumulate    (spec §5.2, §5.1)
//   Finish()           overlap average, resize, PAMR, post-processing        (spec §5.3, §5.4)
#ifndef ITACLIP_CORE_PIPELINE_SEGMENT_JOB_H_
#define ITACLIP_CORE_PIPELINE_SEGMENT_JOB_H_

#include <ATen/core/Tensor.h>
#include <c10/core/Device.h>

#include <cstdint>
#include <opencv2/core/mat.hpp>
#include <optional>
#include <vector>

#include "absl/status/statusor.h"
#include "core/pipeline/pamr.h"
#include "core/pipeline/pipeline_params.h"
#include "core/pipeline/segmentation.h"
#include "core/pipeline/sliding_window.h"
#include "core/text/query_embeddings.h"

namespace itaclip::pipeline {

// Not thread-safe: one owner at a time. Movable.
class SegmentJob {
 public:
  // bgr_image: CV_8UC3 in BGR order (what cv::imdecode gives), at its original size. Tensors are
  // kept on `device`. INVALID_ARGUMENT for an empty or non-8UC3 image, or one whose resized size
  // is smaller than a patch (`patch_size`) in either dimension.
  static absl::StatusOr<SegmentJob> Prepare(const cv::Mat& bgr_image, const PipelineParams& params,
                                            int64_t patch_size, c10::Device device);

  int64_t num_crops() const { return static_cast<int64_t>(windows_.size()); }
  int64_t crop_height() const { return windows_.front().y2 - windows_.front().y1; }
  int64_t crop_width() const { return windows_.front().x2 - windows_.front().x1; }

  // [5·(end−begin), 3, crop_h, crop_w] float32 on the device, view-major (see MakeFiveViews).
  at::Tensor CropViews(int64_t begin, int64_t end) const;

  // Default bound on the upsampled crop logits ([crops, Q, crop_h, crop_w]) made at once.
  static constexpr int64_t kDefaultFusedLogitBytes = int64_t{256} << 20;

  // view_features: the ViT output for CropViews(begin, begin + k), [5k, L, E]. Fuses them against
  // `queries` and adds the crops' logits into the full-image buffer, as many crops at a time as
  // fit in `max_fused_logit_bytes` (at least one). Every crop must be added once, with the same
  // `queries`, before Finish().
  void AddCropFeatures(int64_t begin, const at::Tensor& view_features,
                       const text::QueryEmbeddings& queries, int64_t patch_size,
                       int64_t max_fused_logit_bytes = kDefaultFusedLogitBytes);

  // Completes the image: the label map at the original size and, when `want_scores`, the scores.
  // `pamr_propagation` overrides Pamr's default for the device (benchmarks compare the two).
  Segmentation Finish(const text::QueryEmbeddings& queries, bool want_scores,
                      std::optional<PamrPropagation> pamr_propagation = std::nullopt);

 private:
  SegmentJob() = default;

  PipelineParams params_;
  int64_t original_height_ = 0, original_width_ = 0;
  at::Tensor image_;  // [1, 3, h, w] float32, normalised, resized
  std::vector<Window> windows_;
  at::Tensor logit_sum_;  // [Q, h, w] float32, created by the first AddCropFeatures
  at::Tensor coverage_;   // [h, w] float32: how many windows cover each pixel
};

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_SEGMENT_JOB_H_
