// The evaluation loop: for each sample, the cached counts or (segment, read the ground truth,
// reduce to counts, cache them), summed over the dataset; with progress and, on request, the
// predicted label maps written out. Optionally several images in flight at once (server mode).
#ifndef ITACLIP_CLIENT_EVAL_EVAL_RUNNER_H_
#define ITACLIP_CLIENT_EVAL_EVAL_RUNNER_H_

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "client/eval/dataset_layout.h"
#include "client/eval/eval_segmenter.h"
#include "client/eval/result_cache.h"
#include "core/evaluation/iou_counts.h"

namespace itaclip::client {

struct EvalRunOptions {
  int num_classes = 0;
  std::optional<int> ignore_index = 255;
  bool reduce_zero_label = false;
  // Threads segmenting at once; more than 1 needs a thread-safe segmenter.
  int concurrency = 1;
  // When set, each segmented image's label map is written to <dir>/<id>.png (not for images
  // answered from the cache: they were written when they were segmented).
  std::string save_predictions_dir;
  bool show_progress = true;
  // Status lines (how many images are cached, cache warnings); may be empty.
  std::function<void(const std::string&)> log;
};

struct EvalRunResult {
  evaluation::IouCounts counts;  // summed over every sample
  int64_t segmented = 0;         // images segmented in this run
  int64_t cached = 0;            // images answered from the cache
};

// Runs `samples` in order (counts are summed, so the order only matters for where an interrupted
// run stops). Stops at the first failure, with the failing image's id in front of the message;
// what was cached before stays cached. INVALID_ARGUMENT for num_classes < 1 or concurrency < 1, or
// concurrency > 1 with a segmenter that is not thread-safe.
absl::StatusOr<EvalRunResult> RunEvaluation(const std::vector<EvalSample>& samples,
                                            EvalSegmenter& segmenter, const ResultCache& cache,
                                            const EvalRunOptions& options);

// The ground truth of one image as it is evaluated: read_ground_truth.h, then reduce_zero_label
// when asked for.
absl::StatusOr<cv::Mat> LoadEvalGroundTruth(const std::string& label_path, bool reduce_zero_label);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_EVAL_EVAL_RUNNER_H_
