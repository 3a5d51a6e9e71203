#include "core/pipeline/segmenter.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "core/common/device.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"
#include "core/pipeline/crop_batching.h"
#include "core/pipeline/segment_job.h"

namespace itaclip::pipeline {
namespace {

double MillisecondsSince(absl::Time start) {
  return absl::ToDoubleMilliseconds(absl::Now() - start);
}

absl::Status CheckQueries(const text::QueryEmbeddings& queries,
                          const checkpoint::ClipConfig& config) {
  const at::Tensor& e = queries.embeddings;
  if (!e.defined() || e.dim() != 2 || e.size(1) != config.embed_dim ||
      e.size(0) != static_cast<int64_t>(queries.query_class.size()) || queries.num_classes() < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("query embeddings do not match the model: expected [queries, ",
                     config.embed_dim, "] with one class index per query"));
  }
  return absl::OkStatus();
}

}  // namespace

Segmenter::Segmenter(const clip::ClipModel& model, SegmenterOptions options)
    : model_(model), options_(options) {}

absl::StatusOr<Segmentation> Segmenter::Segment(const cv::Mat& bgr_image,
                                                const text::QueryEmbeddings& queries,
                                                const PipelineParams& params, bool want_scores,
                                                const SegmentCallbacks& callbacks) const {
  RETURN_IF_ERROR(CheckQueries(queries, model_.config()));
  const int64_t patch = model_.config().patch_size;
  return GuardTorch("segment", [&]() -> absl::StatusOr<Segmentation> {
    c10::InferenceMode inference;
    absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(SegmentJob job,
                     SegmentJob::Prepare(bgr_image, params, patch, model_.device()));
    StageTimings timings;
    timings.preprocess_ms = MillisecondsSince(start);

    start = absl::Now();
    const int64_t total = job.num_crops();
    const int64_t per_batch = CropsPerBatch(
        model_.config(), job.crop_height(), job.crop_width(), c10::elementSize(model_.dtype()),
        options_.batch_memory_bytes, options_.max_crops_per_batch, model_.attention_mode());
    for (int64_t begin = 0; begin < total; begin += per_batch) {
      if (callbacks.check_continue) RETURN_IF_ERROR(callbacks.check_continue());
      const int64_t end = std::min(total, begin + per_batch);
      ASSIGN_OR_RETURN(at::Tensor features, model_.EncodeImages(job.CropViews(begin, end)));
      job.AddCropFeatures(begin, features, queries, patch);
      if (callbacks.progress) callbacks.progress(end, total);
    }
    SynchronizeDevice(model_.device());  // so that model_ms measures the device work
    timings.model_ms = MillisecondsSince(start);

    start = absl::Now();
    Segmentation result = job.Finish(queries, want_scores, options_.pamr_propagation);
    timings.postprocess_ms = MillisecondsSince(start);
    result.timings = timings;
    return result;
  });
}

}  // namespace itaclip::pipeline
