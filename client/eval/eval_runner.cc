#include "client/eval/eval_runner.h"

#include <atomic>
#include <filesystem>
#include <system_error>
#include <thread>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "client/eval/progress_bar.h"
#include "client/eval/read_ground_truth.h"
#include "client/output/write_file.h"
#include "core/common/status_macros.h"
#include "core/evaluation/intersect_and_union.h"

namespace itaclip::client {
namespace {

namespace fs = std::filesystem;

absl::Status SavePrediction(const std::string& dir, const std::string& id, const cv::Mat& labels) {
  const fs::path path = fs::path(dir) / (id + ".png");
  std::error_code error;
  fs::create_directories(path.parent_path(), error);
  if (error) {
    return absl::PermissionDeniedError(
        absl::StrCat("cannot create ", path.parent_path().string(), ": ", error.message()));
  }
  return WriteImage(path.string(), labels);
}

// Segments one image and reduces it to counts; saves the prediction and caches the counts.
absl::StatusOr<evaluation::IouCounts> EvaluateImage(const EvalSample& sample,
                                                    EvalSegmenter& segmenter,
                                                    const ResultCache& cache,
                                                    const EvalRunOptions& options) {
  // The ground truth first: a broken one fails before the expensive part.
  ASSIGN_OR_RETURN(cv::Mat ground_truth,
                   LoadEvalGroundTruth(sample.label_path, options.reduce_zero_label));
  ASSIGN_OR_RETURN(cv::Mat prediction, segmenter.Segment(sample));
  ASSIGN_OR_RETURN(evaluation::IouCounts counts,
                   evaluation::IntersectAndUnion(prediction, ground_truth, options.num_classes,
                                                 options.ignore_index));
  if (!options.save_predictions_dir.empty()) {
    RETURN_IF_ERROR(SavePrediction(options.save_predictions_dir, sample.id, prediction));
  }
  RETURN_IF_ERROR(cache.Store(sample.id, counts));
  return counts;
}

absl::Status WithImage(const absl::Status& status, const EvalSample& sample) {
  return absl::Status(status.code(), absl::StrCat("image ", sample.id, ": ", status.message()));
}

}  // namespace

absl::StatusOr<cv::Mat> LoadEvalGroundTruth(const std::string& label_path, bool reduce_zero_label) {
  ASSIGN_OR_RETURN(cv::Mat ground_truth, ReadGroundTruth(label_path));
  if (!reduce_zero_label) return ground_truth;
  return evaluation::ReduceZeroLabel(ground_truth);
}

absl::StatusOr<EvalRunResult> RunEvaluation(const std::vector<EvalSample>& samples,
                                            EvalSegmenter& segmenter, const ResultCache& cache,
                                            const EvalRunOptions& options) {
  if (options.num_classes < 1) {
    return absl::InvalidArgumentError("the vocabulary must have at least one class");
  }
  if (options.concurrency < 1) {
    return absl::InvalidArgumentError(
        absl::StrCat("--concurrency must be at least 1, not ", options.concurrency));
  }
  if (options.concurrency > 1 && !segmenter.thread_safe()) {
    return absl::InvalidArgumentError(
        "--concurrency above 1 needs --server (in-process evaluation uses every core for one "
        "image; set --threads instead)");
  }
  const auto log = [&options](const std::string& line) {
    if (options.log) options.log(line);
  };

  // The cache is read first, so that a run answered entirely from it loads nothing.
  EvalRunResult result;
  result.counts = evaluation::IouCounts::Zeros(options.num_classes);
  std::vector<const EvalSample*> to_segment;
  for (const EvalSample& sample : samples) {
    std::string warning;
    std::optional<evaluation::IouCounts> counts =
        cache.Lookup(sample.id, options.num_classes, &warning);
    if (!warning.empty()) log(warning);
    if (!counts.has_value()) {
      to_segment.push_back(&sample);
      continue;
    }
    RETURN_IF_ERROR(WithImage(evaluation::AddIouCounts(*counts, result.counts), sample));
    ++result.cached;
  }
  if (cache.enabled()) {
    log(absl::StrCat(result.cached, " of ", samples.size(), " images are in the cache ",
                     cache.folder()));
  }
  if (to_segment.empty()) return result;
  RETURN_IF_ERROR(segmenter.Prepare());
  // Started after Prepare, so that loading the model does not count towards the time per image.
  ProgressBar progress(static_cast<int64_t>(samples.size()), options.show_progress);
  progress.AddCached(result.cached);

  // Workers take the next sample in order; the first failure stops them all.
  absl::Mutex mutex;
  absl::Status failure;
  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  const auto work = [&]() {
    while (!stop.load()) {
      const size_t index = next.fetch_add(1);
      if (index >= to_segment.size()) return;
      const EvalSample& sample = *to_segment[index];
      absl::StatusOr<evaluation::IouCounts> counts =
          EvaluateImage(sample, segmenter, cache, options);
      absl::MutexLock lock(&mutex);
      absl::Status status =
          counts.ok() ? evaluation::AddIouCounts(*counts, result.counts) : counts.status();
      if (!status.ok()) {
        if (failure.ok()) failure = WithImage(status, sample);
        stop.store(true);
        return;
      }
      ++result.segmented;
      progress.Advance(/*from_cache=*/false);
    }
  };
  const int threads = static_cast<int>(
      std::min<size_t>(static_cast<size_t>(options.concurrency), to_segment.size()));
  if (threads <= 1) {
    work();
  } else {
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) workers.emplace_back(work);
    for (std::thread& worker : workers) worker.join();
  }
  progress.Finish();
  if (!failure.ok()) return failure;
  return result;
}

}  // namespace itaclip::client
