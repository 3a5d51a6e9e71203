#include "core/pipeline/segmenter.h"

#include <ATen/ATen.h>

#include <opencv2/core.hpp>

#include "core/pipeline/preset_file.h"
#include "core/pipeline/segment_job.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/class_file.h"
#include "core/text/prompt_templates.h"
#include "core/text/text_embedder.h"
#include "gtest/gtest.h"
#include "tests/testing/cuda_device.h"
#include "tests/testing/test_paths.h"
#include "tests/testing/tiny_model.h"

namespace itaclip::pipeline {
namespace {

// A background-first vocabulary with a multi-name background, a described class and a two-name
// class without description.
text::VocabularySpec SampleVocabulary() {
  text::VocabularySpec spec;
  spec.background_first = true;
  spec.classes = {{{"sky", "wall"}, ""}, {{"cat"}, "a small pet"}, {{"dog", "puppy"}, ""}};
  return spec;
}

class SegmenterTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = testing::MakeTinyModel(/*seed=*/21).release();
    auto tokenizer = text::BpeTokenizer::Load(
        testing::SharedPath("reference/clip/bpe_simple_vocab_16e6.txt.gz"));
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
    auto templates =
        text::LoadPromptTemplates(testing::SourcePath("configs/templates/openai_imagenet_80.txt"));
    ASSERT_TRUE(templates.ok()) << templates.status();
    text::TextEmbedder embedder(*model_, *tokenizer, *templates);
    auto queries = embedder.Embed(SampleVocabulary(), 0.1);
    ASSERT_TRUE(queries.ok()) << queries.status();
    queries_ = new text::QueryEmbeddings(*std::move(queries));
  }
  static void TearDownTestSuite() {
    delete model_;
    delete queries_;
  }

  static PipelineParams Params() {
    auto params = LoadPreset(testing::SourcePath("configs/presets"), "voc21");
    EXPECT_TRUE(params.ok()) << params.status();
    params->short_side = 240;  // a 320 x 240 image keeps its size: few, overlapping windows
    return *params;
  }

  static cv::Mat Image(int width, int height) {
    cv::Mat image(height, width, CV_8UC3);
    cv::randu(image, 0, 255);
    return image;
  }

  static clip::ClipModel* model_;
  static text::QueryEmbeddings* queries_;
};

clip::ClipModel* SegmenterTest::model_ = nullptr;
text::QueryEmbeddings* SegmenterTest::queries_ = nullptr;

TEST_F(SegmenterTest, ProducesLabelsAndScoresAtTheOriginalSize) {
  Segmenter segmenter(*model_, SegmenterOptions{});
  absl::StatusOr<Segmentation> result =
      segmenter.Segment(Image(320, 240), *queries_, Params(), true);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->labels.rows, 240);
  EXPECT_EQ(result->labels.cols, 320);
  EXPECT_EQ(result->labels.type(), CV_8U);
  ASSERT_EQ(result->scores.sizes(), (std::vector<int64_t>{3, 240, 320}));
  // Class probabilities are maxima of query probabilities.
  EXPECT_GE(result->scores.min().item<double>(), 0.0);
  EXPECT_LE(result->scores.max().item<double>(), 1.0);
  int64_t counted = 0;
  for (int64_t c : result->class_pixel_counts) counted += c;
  EXPECT_EQ(counted, 240 * 320);
  double max_label = 0;
  cv::minMaxLoc(result->labels, nullptr, &max_label);
  EXPECT_LT(max_label, 3);
  // Rows: (240 - 224 + 27) // 28 + 1 = 2; columns: (320 - 224 + 27) // 28 + 1 = 5 (spec §5.1).
  EXPECT_EQ(result->crops, 10);
}

TEST_F(SegmenterTest, CropBatchSizeDoesNotChangeTheResult) {
  SegmenterOptions one_at_a_time;
  one_at_a_time.max_crops_per_batch = 1;
  SegmenterOptions all_at_once;
  all_at_once.max_crops_per_batch = 64;
  const cv::Mat image = Image(320, 240);
  auto a = Segmenter(*model_, one_at_a_time).Segment(image, *queries_, Params(), true);
  auto b = Segmenter(*model_, all_at_once).Segment(image, *queries_, Params(), true);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LT((a->scores - b->scores).abs().max().item<double>(), 1e-5);
}

TEST_F(SegmenterTest, FusingCropsOneAtATimeDoesNotChangeTheResult) {
  // AddCropFeatures bounds the upsampled logits it makes at once; a bound below one crop fuses the
  // crops one by one, which must give what fusing the whole batch at once gives.
  const cv::Mat image = Image(320, 240);
  const int64_t patch = model_->config().patch_size;
  Segmentation results[2];
  const int64_t budgets[2] = {1, SegmentJob::kDefaultFusedLogitBytes};
  for (int i = 0; i < 2; ++i) {
    absl::StatusOr<SegmentJob> job = SegmentJob::Prepare(image, Params(), patch, model_->device());
    ASSERT_TRUE(job.ok()) << job.status();
    ASSERT_GT(job->num_crops(), 2);
    absl::StatusOr<at::Tensor> features = model_->EncodeImages(job->CropViews(0, job->num_crops()));
    ASSERT_TRUE(features.ok()) << features.status();
    job->AddCropFeatures(0, *features, *queries_, patch, budgets[i]);
    results[i] = job->Finish(*queries_, /*want_scores=*/true);
  }
  EXPECT_LT((results[0].scores - results[1].scores).abs().max().item<double>(), 1e-6);
  EXPECT_EQ(cv::countNonZero(results[0].labels != results[1].labels), 0);
}

TEST_F(SegmenterTest, BothPamrPropagationsGiveTheSameSegmentation) {
  // The sparse-matrix propagation (CUDA's default) through the whole pipeline, against the
  // shifted views (the CPU's).
  const cv::Mat image = Image(320, 240);
  Segmentation results[2];
  const PamrPropagation kinds[2] = {PamrPropagation::kShiftedViews, PamrPropagation::kSparseMatrix};
  for (int i = 0; i < 2; ++i) {
    SegmenterOptions options;
    options.pamr_propagation = kinds[i];
    absl::StatusOr<Segmentation> result =
        Segmenter(*model_, options).Segment(image, *queries_, Params(), true);
    ASSERT_TRUE(result.ok()) << result.status();
    results[i] = *std::move(result);
  }
  EXPECT_LT((results[0].scores - results[1].scores).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(cv::countNonZero(results[0].labels != results[1].labels), 0);
}

TEST_F(SegmenterTest, StopsWhenTheCallerCancels) {
  Segmenter segmenter(
      *model_,
      SegmenterOptions{.batch_memory_bytes = 1, .max_crops_per_batch = 1, .pamr_propagation = {}});
  int batches = 0;
  SegmentCallbacks callbacks;
  callbacks.check_continue = [&]() {
    return ++batches > 2 ? absl::CancelledError("client went away") : absl::OkStatus();
  };
  auto result = segmenter.Segment(Image(320, 240), *queries_, Params(), false, callbacks);
  EXPECT_EQ(result.status().code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(batches, 3);
}

TEST_F(SegmenterTest, RejectsBadImagesAndMismatchedQueries) {
  Segmenter segmenter(*model_, SegmenterOptions{});
  EXPECT_EQ(segmenter.Segment(cv::Mat(), *queries_, Params(), false).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(segmenter.Segment(cv::Mat(50, 50, CV_8UC1), *queries_, Params(), false).status().code(),
            absl::StatusCode::kInvalidArgument);
  // 4000 x 3 resizes (long side capped at 2048) to a height below one patch.
  EXPECT_EQ(segmenter.Segment(Image(4000, 3), *queries_, Params(), false).status().code(),
            absl::StatusCode::kInvalidArgument);
  text::QueryEmbeddings wrong = *queries_;
  wrong.embeddings = at::zeros({wrong.embeddings.size(0), 7});
  EXPECT_EQ(segmenter.Segment(Image(320, 240), wrong, Params(), false).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST_F(SegmenterTest, MoreThan256ClassesGiveSixteenBitLabels) {
  at::manual_seed(8);
  text::QueryEmbeddings many;
  many.embeddings = at::randn({300, model_->config().embed_dim});
  many.embeddings /= many.embeddings.norm(2, -1, true);
  for (int c = 0; c < 300; ++c) {
    many.query_class.push_back(c);
    many.class_names.push_back("class " + std::to_string(c));
  }
  PipelineParams params = Params();
  params.background_first = false;
  params.prob_thd = 0;
  params.area_thd.reset();
  params.pamr_steps = 1;
  auto result = Segmenter(*model_, {}).Segment(Image(320, 240), many, params, false);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_EQ(result->labels.type(), CV_16U);
  double max_label = 0;
  cv::minMaxLoc(result->labels, nullptr, &max_label);
  EXPECT_LT(max_label, 300);
}

TEST_F(SegmenterTest, CudaAgreesWithCpu) {
  SKIP_WITHOUT_CUDA_DEVICE();
  // The same weights in fp16 on the GPU, as the reference runs there.
  auto gpu_model = clip::ClipModel::Load(testing::TinyCheckpointPath(/*seed=*/21),
                                         c10::Device(c10::kCUDA, 0), c10::kHalf);
  ASSERT_TRUE(gpu_model.ok()) << gpu_model.status();
  auto tokenizer =
      text::BpeTokenizer::Load(testing::SharedPath("reference/clip/bpe_simple_vocab_16e6.txt.gz"));
  auto templates =
      text::LoadPromptTemplates(testing::SourcePath("configs/templates/openai_imagenet_80.txt"));
  ASSERT_TRUE(tokenizer.ok() && templates.ok());
  auto gpu_queries =
      text::TextEmbedder(**gpu_model, *tokenizer, *templates).Embed(SampleVocabulary(), 0.1);
  ASSERT_TRUE(gpu_queries.ok()) << gpu_queries.status();
  const cv::Mat image = Image(320, 240);
  auto cpu = Segmenter(*model_, {}).Segment(image, *queries_, Params(), true);
  auto gpu = Segmenter(**gpu_model, {}).Segment(image, *gpu_queries, Params(), true);
  ASSERT_TRUE(cpu.ok() && gpu.ok()) << gpu.status();
  const double agreement =
      1.0 - static_cast<double>(cv::countNonZero(cpu->labels != gpu->labels)) / cpu->labels.total();
  EXPECT_GE(agreement, 0.99);
  EXPECT_LT((cpu->scores - gpu->scores).abs().max().item<double>(), 0.05);
}

}  // namespace
}  // namespace itaclip::pipeline
