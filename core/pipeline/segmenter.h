// Segments one image synchronously on the calling thread: the driver used by the offline command,
// the evaluation and the benchmark. (A server batches SegmentJobs across requests instead.)
#ifndef ITACLIP_CORE_PIPELINE_SEGMENTER_H_
#define ITACLIP_CORE_PIPELINE_SEGMENTER_H_

#include <cstdint>
#include <functional>
#include <opencv2/core/mat.hpp>
#include <optional>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/clip/clip_model.h"
#include "core/pipeline/pamr.h"
#include "core/pipeline/pipeline_params.h"
#include "core/pipeline/segmentation.h"
#include "core/text/query_embeddings.h"

namespace itaclip::pipeline {

struct SegmenterOptions {
  // Activation memory one ViT batch may use; it sets how many crops (x5 views) go in one batch.
  int64_t batch_memory_bytes = int64_t{1} << 30;
  // Upper bound on crops per ViT batch, whatever the budget.
  int64_t max_crops_per_batch = 64;
  // PAMR's propagation; unset: DefaultPamrPropagation of the model's device.
  std::optional<PamrPropagation> pamr_propagation;
};

struct SegmentCallbacks {
  // Called after each ViT batch with the crops done so far and the total.
  std::function<void(int64_t done, int64_t total)> progress;
  // Called before each ViT batch; a non-OK status (CANCELLED, DEADLINE_EXCEEDED) stops the image.
  std::function<absl::Status()> check_continue;
};

// Holds a reference to the model, which must outlive it. Segment() is thread-safe.
class Segmenter {
 public:
  Segmenter(const clip::ClipModel& model, SegmenterOptions options);

  // bgr_image: CV_8UC3 BGR at its original size. `queries` must come from the same model.
  absl::StatusOr<Segmentation> Segment(const cv::Mat& bgr_image,
                                       const text::QueryEmbeddings& queries,
                                       const PipelineParams& params, bool want_scores,
                                       const SegmentCallbacks& callbacks = {}) const;

 private:
  const clip::ClipModel& model_;
  SegmenterOptions options_;
};

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_SEGMENTER_H_
