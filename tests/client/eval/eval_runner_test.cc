// The evaluation loop with a scripted segmenter: dataset-level sums, the cache (a resumed run
// segments nothing twice and loads nothing when all is cached), saved predictions, concurrency,
// and failures naming the image.
#include "client/eval/eval_runner.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <map>
#include <opencv2/imgcodecs.hpp>

#include "absl/synchronization/mutex.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

cv::Mat Row(std::vector<uint8_t> values) {
  return cv::Mat(1, static_cast<int>(values.size()), CV_8UC1, values.data()).clone();
}

// Answers each sample with a fixed prediction; counts its calls.
class ScriptedSegmenter : public EvalSegmenter {
 public:
  ScriptedSegmenter(std::map<std::string, cv::Mat> predictions, bool thread_safe)
      : predictions_(std::move(predictions)), thread_safe_(thread_safe) {}
  absl::Status Prepare() override {
    ++prepared;
    return absl::OkStatus();
  }
  absl::StatusOr<cv::Mat> Segment(const EvalSample& sample) override {
    ++calls;
    auto it = predictions_.find(sample.id);
    if (it == predictions_.end()) return absl::InternalError("the model fell over");
    return it->second.clone();
  }
  bool thread_safe() const override { return thread_safe_; }
  std::atomic<int> calls{0};
  std::atomic<int> prepared{0};

 private:
  std::map<std::string, cv::Mat> predictions_;
  bool thread_safe_;
};

class EvalRunnerTest : public testing::ScratchDirTest {
 protected:
  // Image A: gt 0000, pred 0000. Image B: gt 0 1 255, pred 1 1 0 (the 255 pixel is ignored).
  // Sums: intersect (4, 1), pred (4, 2), label (5, 1), union (5, 2).
  void SetUp() override {
    ScratchDirTest::SetUp();
    samples_ = {Sample("a", Row({0, 0, 0, 0})), Sample("b", Row({0, 1, 255}))};
    predictions_ = {{"a", Row({0, 0, 0, 0})}, {"b", Row({1, 1, 0})}};
    options_.num_classes = 2;
    options_.show_progress = false;
  }
  EvalSample Sample(const std::string& id, const cv::Mat& gt) {
    const std::string label = ScratchPath(id + "_gt.png");
    EXPECT_TRUE(cv::imwrite(label, gt));
    return EvalSample{id, ScratchPath(id + ".jpg"), label};
  }
  void ExpectDatasetSums(const evaluation::IouCounts& counts) {
    EXPECT_THAT(counts.area_intersect, ElementsAre(4, 1));
    EXPECT_THAT(counts.area_pred_label, ElementsAre(4, 2));
    EXPECT_THAT(counts.area_label, ElementsAre(5, 1));
    EXPECT_THAT(counts.area_union, ElementsAre(5, 2));
  }

  std::vector<EvalSample> samples_;
  std::map<std::string, cv::Mat> predictions_;
  EvalRunOptions options_;
};

TEST_F(EvalRunnerTest, SumsTheImagesAndSavesPredictions) {
  ScriptedSegmenter segmenter(predictions_, false);
  options_.save_predictions_dir = ScratchPath("pred");
  absl::StatusOr<EvalRunResult> result =
      RunEvaluation(samples_, segmenter, ResultCache(), options_);
  ASSERT_TRUE(result.ok()) << result.status();
  ExpectDatasetSums(result->counts);
  EXPECT_EQ(result->segmented, 2);
  EXPECT_EQ(result->cached, 0);
  const cv::Mat saved = cv::imread(ScratchPath("pred/b.png"), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(saved.empty());
  EXPECT_EQ(cv::countNonZero(saved != predictions_["b"]), 0);
}

TEST_F(EvalRunnerTest, ResumesFromTheCacheWithoutSegmentingAgain) {
  absl::StatusOr<ResultCache> cache = ResultCache::Open(ScratchPath("cache"), "settings");
  ASSERT_TRUE(cache.ok());
  // First run stops at b (its prediction is missing): a stays cached.
  std::map<std::string, cv::Mat> only_a = {{"a", predictions_["a"]}};
  ScriptedSegmenter failing(only_a, false);
  absl::StatusOr<EvalRunResult> failed = RunEvaluation(samples_, failing, *cache, options_);
  EXPECT_EQ(failed.status().code(), absl::StatusCode::kInternal);
  EXPECT_THAT(failed.status().message(), HasSubstr("image b: the model fell over"));

  ScriptedSegmenter second(predictions_, false);
  absl::StatusOr<EvalRunResult> resumed = RunEvaluation(samples_, second, *cache, options_);
  ASSERT_TRUE(resumed.ok()) << resumed.status();
  EXPECT_EQ(second.calls, 1);  // only b
  EXPECT_EQ(resumed->cached, 1);
  ExpectDatasetSums(resumed->counts);

  ScriptedSegmenter third(predictions_, false);
  absl::StatusOr<EvalRunResult> all_cached = RunEvaluation(samples_, third, *cache, options_);
  ASSERT_TRUE(all_cached.ok());
  EXPECT_EQ(third.calls, 0);
  EXPECT_EQ(third.prepared, 0);  // nothing to segment: the model is never loaded
  ExpectDatasetSums(all_cached->counts);
}

TEST_F(EvalRunnerTest, ConcurrentRunsGiveTheSameSums) {
  std::vector<EvalSample> many;
  std::map<std::string, cv::Mat> predictions;
  for (int i = 0; i < 12; ++i) {
    const std::string id = std::to_string(i);
    many.push_back(Sample(id, Row({0, 1, static_cast<uint8_t>(i % 2)})));
    predictions[id] = Row({0, 0, 1});
  }
  // Per image: gt (0, 1, i%2), pred (0, 0, 1). Over 6 even and 6 odd images:
  // intersect c0 = 12, c1 = 6; pred c0 = 24, c1 = 12; label c0 = 18, c1 = 18.
  ScriptedSegmenter segmenter(predictions, true);
  options_.concurrency = 4;
  absl::StatusOr<EvalRunResult> result = RunEvaluation(many, segmenter, ResultCache(), options_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->counts.area_intersect, ElementsAre(12, 6));
  EXPECT_THAT(result->counts.area_pred_label, ElementsAre(24, 12));
  EXPECT_THAT(result->counts.area_label, ElementsAre(18, 18));
  EXPECT_EQ(segmenter.calls, 12);
}

TEST_F(EvalRunnerTest, RefusesBadOptionsAndMismatchedMaps) {
  ScriptedSegmenter segmenter(predictions_, false);
  options_.concurrency = 2;
  EXPECT_THAT(RunEvaluation(samples_, segmenter, ResultCache(), options_).status().message(),
              HasSubstr("--concurrency above 1 needs --server"));
  options_.concurrency = 1;
  predictions_["b"] = Row({1, 1});  // wrong size
  ScriptedSegmenter wrong_size(predictions_, false);
  EXPECT_THAT(RunEvaluation(samples_, wrong_size, ResultCache(), options_).status().message(),
              HasSubstr("image b: the prediction is 2x1 but the ground truth is 3x1"));
  options_.num_classes = 0;
  EXPECT_FALSE(RunEvaluation(samples_, segmenter, ResultCache(), options_).ok());
}

TEST_F(EvalRunnerTest, ReduceZeroLabelShiftsTheGroundTruth) {
  // gt 0 1 255 becomes 255 0 255: one counted pixel (label 0), predicted 1 (1 1 0 -> pixel 1).
  ScriptedSegmenter segmenter(predictions_, false);
  options_.reduce_zero_label = true;
  absl::StatusOr<EvalRunResult> result =
      RunEvaluation({samples_[1]}, segmenter, ResultCache(), options_);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_THAT(result->counts.area_label, ElementsAre(1, 0));
  EXPECT_THAT(result->counts.area_pred_label, ElementsAre(0, 1));
  EXPECT_THAT(result->counts.area_intersect, ElementsAre(0, 0));
}

}  // namespace
}  // namespace itaclip::client
