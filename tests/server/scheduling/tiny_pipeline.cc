// Shared pieces of the scheduling tests (see tiny_pipeline.h).
#include "tests/server/scheduling/tiny_pipeline.h"

#include <c10/core/InferenceMode.h>

#include <opencv2/core.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/pipeline/preset_file.h"
#include "core/pipeline/segment_job.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/prompt_templates.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"
#include "tests/testing/tiny_model.h"

namespace itaclip::server::testing {

const clip::ClipModel& TinyModel() {
  static const clip::ClipModel* const model =
      itaclip::testing::MakeTinyModel(/*seed=*/31).release();
  return *model;
}

const text::TextEmbedder& TinyEmbedder() {
  static const text::TextEmbedder* const embedder = [] {
    absl::StatusOr<text::BpeTokenizer> tokenizer = text::BpeTokenizer::Load(
        itaclip::testing::SharedPath("reference/clip/bpe_simple_vocab_16e6.txt.gz"));
    EXPECT_TRUE(tokenizer.ok()) << tokenizer.status();
    absl::StatusOr<std::vector<std::string>> templates = text::LoadPromptTemplates(
        itaclip::testing::SourcePath("configs/templates/openai_imagenet_80.txt"));
    EXPECT_TRUE(templates.ok()) << templates.status();
    // The embedder keeps a reference to the tokenizer: both live for the process.
    auto* kept_tokenizer = new text::BpeTokenizer(*std::move(tokenizer));
    return new text::TextEmbedder(TinyModel(), *kept_tokenizer, *std::move(templates));
  }();
  return *embedder;
}

std::shared_ptr<const text::QueryEmbeddings> TinyQueries() {
  static const std::shared_ptr<const text::QueryEmbeddings> queries = [] {
    text::VocabularySpec spec;
    spec.background_first = true;
    spec.classes = {{{"sky", "wall"}, ""}, {{"cat"}, "a small pet"}, {{"dog"}, ""}};
    absl::StatusOr<text::QueryEmbeddings> embedded = TinyEmbedder().Embed(spec, 0.05);
    EXPECT_TRUE(embedded.ok()) << embedded.status();
    return std::make_shared<const text::QueryEmbeddings>(*std::move(embedded));
  }();
  return queries;
}

EmbeddingBuilder TinyEmbeddingBuilder() {
  const text::TextEmbedder* embedder = &TinyEmbedder();
  return [embedder](const text::VocabularySpec& vocabulary, double description_weight,
                    const ShouldContinue& should_continue) {
    clip::TextEncodeOptions options;
    options.should_continue = should_continue;
    return embedder->Embed(vocabulary, description_weight, options);
  };
}

pipeline::PipelineParams SmallParams(int crop) {
  absl::StatusOr<pipeline::PipelineParams> params =
      pipeline::LoadPreset(itaclip::testing::SourcePath("configs/presets"), "voc21");
  EXPECT_TRUE(params.ok()) << params.status();
  params->short_side = crop;
  params->crop_size = crop;
  params->stride = 28;
  EXPECT_TRUE(pipeline::ValidateParams(*params).ok());
  return *params;
}

cv::Mat RandomImage(int width, int height, uint64_t seed) {
  cv::RNG rng(seed);
  cv::Mat image(height, width, CV_8UC3);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  return image;
}

std::shared_ptr<SegmentTask> MakeTask(const cv::Mat& image, const pipeline::PipelineParams& params,
                                      std::shared_ptr<const text::QueryEmbeddings> queries) {
  auto task = std::make_shared<SegmentTask>();
  task->cancel = std::make_shared<CancelToken>();
  task->queries = std::move(queries);
  c10::InferenceMode inference;
  absl::StatusOr<pipeline::SegmentJob> job = pipeline::SegmentJob::Prepare(
      image, params, TinyModel().config().patch_size, TinyModel().device());
  EXPECT_TRUE(job.ok()) << job.status();
  if (job.ok()) task->job.emplace(*std::move(job));
  return task;
}

}  // namespace itaclip::server::testing
