#include "core/pipeline/segment_job.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <opencv2/core.hpp>
#include <utility>

#include "absl/strings/str_cat.h"
#include "core/common/device.h"
#include "core/pipeline/image_views.h"
#include "core/pipeline/logit_fusion.h"
#include "core/pipeline/normalize.h"
#include "core/pipeline/pamr.h"
#include "core/pipeline/postprocess.h"
#include "core/pipeline/resize.h"

namespace itaclip::pipeline {
namespace {

std::vector<int64_t> CountPixels(const cv::Mat& labels, int num_classes) {
  std::vector<int64_t> counts(num_classes, 0);
  for (int r = 0; r < labels.rows; ++r) {
    for (int c = 0; c < labels.cols; ++c) {
      const int label =
          labels.depth() == CV_8U ? labels.at<uint8_t>(r, c) : labels.at<uint16_t>(r, c);
      if (label < num_classes) ++counts[label];
    }
  }
  return counts;
}

}  // namespace

absl::StatusOr<SegmentJob> SegmentJob::Prepare(const cv::Mat& bgr_image,
                                               const PipelineParams& params, int64_t patch_size,
                                               c10::Device device) {
  if (bgr_image.empty() || bgr_image.type() != CV_8UC3) {
    return absl::InvalidArgumentError("the image must be a non-empty 8-bit, 3-channel (BGR) image");
  }
  const cv::Size resized =
      RescaledSize(bgr_image.size(), params.short_side, params.long_side_limit);
  if (resized.height < patch_size || resized.width < patch_size) {
    return absl::InvalidArgumentError(absl::StrCat(
        "the image (", bgr_image.cols, "x", bgr_image.rows, ") resizes to ", resized.width, "x",
        resized.height, ", smaller than one ", patch_size, "-pixel patch"));
  }
  SegmentJob job;
  job.params_ = params;
  job.original_height_ = bgr_image.rows;
  job.original_width_ = bgr_image.cols;
  job.image_ =
      NormalizeToTensor(RescaleImage(bgr_image, params.short_side, params.long_side_limit), device);
  job.windows_ = SlidingWindows(resized.height, resized.width, params.crop_size, params.stride);
  // The overlap counts are the outer product of the row and column counts: two small uploads
  // instead of one add per window.
  const WindowCoverage coverage =
      SlidingWindowCoverage(resized.height, resized.width, params.crop_size, params.stride);
  job.coverage_ = at::outer(UploadToDevice(at::tensor(coverage.rows, at::kFloat), device),
                            UploadToDevice(at::tensor(coverage.columns, at::kFloat), device));
  return job;
}

at::Tensor SegmentJob::CropViews(int64_t begin, int64_t end) const {
  std::vector<at::Tensor> crops;
  crops.reserve(end - begin);
  for (int64_t i = begin; i < end; ++i) {
    const Window& w = windows_[i];
    crops.push_back(image_[0].slice(1, w.y1, w.y2).slice(2, w.x1, w.x2));
  }
  return MakeFiveViews(at::stack(crops));
}

void SegmentJob::AddCropFeatures(int64_t begin, const at::Tensor& view_features,
                                 const text::QueryEmbeddings& queries, int64_t patch_size,
                                 int64_t max_fused_logit_bytes) {
  const int64_t crop_h = crop_height(), crop_w = crop_width();
  const int64_t num_queries = queries.embeddings.size(0);
  if (!logit_sum_.defined()) {
    // float32 whatever the compute dtype: the crops' logits are promoted as they are added (§1.2).
    logit_sum_ = at::zeros({num_queries, image_.size(2), image_.size(3)},
                           view_features.options().dtype(at::kFloat));
  }
  const at::Tensor text = queries.embeddings.to(view_features.device());
  // The crops' upsampled logits ([k, Q, crop_h, crop_w], the largest tensor of a batch: 2.3 GB
  // for 64 crops of COCO-Stuff in float32) are made a few crops at a time.
  const int64_t crop_bytes = num_queries * crop_h * crop_w * view_features.element_size();
  const int64_t k = view_features.size(0) / kNumViews;
  const int64_t chunk = std::clamp<int64_t>(
      max_fused_logit_bytes / std::max<int64_t>(crop_bytes, 1), 1, std::max<int64_t>(k, 1));
  const at::Tensor by_view =
      view_features.view({kNumViews, k, view_features.size(1), view_features.size(2)});
  for (int64_t first = 0; first < k; first += chunk) {
    const int64_t count = std::min(chunk, k - first);
    const at::Tensor views =
        by_view.narrow(1, first, count)
            .reshape({kNumViews * count, view_features.size(1), view_features.size(2)});
    const at::Tensor logits = FuseCropLogits(views, crop_h / patch_size, crop_w / patch_size, text,
                                             params_.img_eng_coefficient, crop_h, crop_w);
    for (int64_t i = 0; i < count; ++i) {
      const Window& w = windows_[begin + first + i];
      logit_sum_.slice(1, w.y1, w.y2).slice(2, w.x1, w.x2).add_(logits[i]);
    }
  }
}

Segmentation SegmentJob::Finish(const text::QueryEmbeddings& queries, bool want_scores,
                                std::optional<PamrPropagation> pamr_propagation) {
  const std::vector<int64_t> original = {original_height_, original_width_};
  at::Tensor logits = at::upsample_bilinear2d((logit_sum_ / coverage_).unsqueeze(0), original,
                                              /*align_corners=*/false)[0];
  logit_sum_ = at::Tensor();  // the largest buffer: free it before PAMR allocates
  if (params_.pamr_steps > 0) {
    at::Tensor guide = at::upsample_bilinear2d(image_, original, /*align_corners=*/false);
    logits = Pamr(guide, logits, params_.pamr_steps, params_.pamr_dilations, pamr_propagation);
  }
  PostprocessResult post =
      Postprocess(logits, queries.query_class, queries.num_classes(), params_, want_scores);
  Segmentation result;
  result.labels = post.labels;
  result.crops = num_crops();
  if (want_scores) result.scores = post.class_probs.to(at::kCPU).contiguous();
  result.class_pixel_counts = CountPixels(result.labels, queries.num_classes());
  return result;
}

}  // namespace itaclip::pipeline
