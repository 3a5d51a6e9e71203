// RunWarmup on a tiny model through a real DeviceBatcher: one crop, one batch, one class; a builder
// error or a stopped batcher is reported, not hidden.
#include "server/lifecycle/warmup.h"

#include <atomic>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/pipeline/preset_file.h"
#include "core/text/bpe_tokenizer.h"
#include "core/text/prompt_templates.h"
#include "core/text/text_embedder.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"
#include "tests/testing/tiny_model.h"

namespace itaclip::server {
namespace {

class WarmupTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    model_ = itaclip::testing::MakeTinyModel(/*seed=*/41).release();
    absl::StatusOr<text::BpeTokenizer> tokenizer = text::BpeTokenizer::Load(
        itaclip::testing::SharedPath("reference/clip/bpe_simple_vocab_16e6.txt.gz"));
    ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
    tokenizer_ = new text::BpeTokenizer(*std::move(tokenizer));
    absl::StatusOr<std::vector<std::string>> templates = text::LoadPromptTemplates(
        itaclip::testing::SourcePath("configs/templates/openai_imagenet_80.txt"));
    ASSERT_TRUE(templates.ok()) << templates.status();
    embedder_ = new text::TextEmbedder(*model_, *tokenizer_, *std::move(templates));
  }
  static void TearDownTestSuite() {
    delete embedder_;
    delete tokenizer_;
    delete model_;
  }

  static pipeline::PipelineParams Preset() {
    absl::StatusOr<pipeline::PipelineParams> params =
        pipeline::LoadPreset(itaclip::testing::SourcePath("configs/presets"), "voc21");
    EXPECT_TRUE(params.ok()) << params.status();
    return *params;
  }

  // The server's builder, counting its calls and keeping the last vocabulary.
  EmbeddingBuilder CountingBuilder() {
    return [this](const text::VocabularySpec& vocabulary, double description_weight,
                  const ShouldContinue&) {
      ++builds_;
      last_vocabulary_ = vocabulary;
      return embedder_->Embed(vocabulary, description_weight);
    };
  }

  DeviceBatcherOptions RecordingOptions() {
    DeviceBatcherOptions options;
    options.on_batch = [this](int crops, int requests) {
      crops_ += crops;
      requests_ += requests;
      ++batches_;
    };
    return options;
  }

  static clip::ClipModel* model_;
  static text::BpeTokenizer* tokenizer_;
  static text::TextEmbedder* embedder_;
  int builds_ = 0;
  text::VocabularySpec last_vocabulary_;
  std::atomic<int> batches_{0}, crops_{0}, requests_{0};
};

clip::ClipModel* WarmupTest::model_ = nullptr;
text::BpeTokenizer* WarmupTest::tokenizer_ = nullptr;
text::TextEmbedder* WarmupTest::embedder_ = nullptr;

TEST_F(WarmupTest, RunsOneCropThroughTheBatcher) {
  DeviceBatcher batcher(*model_, RecordingOptions());
  absl::Status status = RunWarmup(*model_, CountingBuilder(), batcher, Preset());
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(builds_, 1);
  ASSERT_EQ(last_vocabulary_.classes.size(), 1u);
  EXPECT_EQ(batches_.load(), 1);
  EXPECT_EQ(crops_.load(), 1);  // the image is one crop of the preset's size
  EXPECT_EQ(requests_.load(), 1);
  EXPECT_EQ(batcher.active_tasks(), 0);
}

TEST_F(WarmupTest, UsesThePresetsCropSize) {
  pipeline::PipelineParams preset = Preset();
  preset.crop_size = 64;  // smaller than the short side: still one crop, of 64 x 64
  DeviceBatcher batcher(*model_, RecordingOptions());
  absl::Status status = RunWarmup(*model_, CountingBuilder(), batcher, preset);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(crops_.load(), 1);
}

TEST_F(WarmupTest, ReportsTheBuildersErrorWithoutUsingTheDevice) {
  DeviceBatcher batcher(*model_, RecordingOptions());
  EmbeddingBuilder failing = [](const text::VocabularySpec&, double,
                                const ShouldContinue&) -> absl::StatusOr<text::QueryEmbeddings> {
    return absl::InternalError("text tower out of memory");
  };
  absl::Status status = RunWarmup(*model_, failing, batcher, Preset());
  EXPECT_EQ(status.code(), absl::StatusCode::kInternal);
  EXPECT_THAT(status.message(), ::testing::HasSubstr("text tower out of memory"));
  EXPECT_EQ(batches_.load(), 0);
}

TEST_F(WarmupTest, AStoppedBatcherGivesUnavailable) {
  DeviceBatcher batcher(*model_, RecordingOptions());
  batcher.Stop();
  absl::Status status = RunWarmup(*model_, CountingBuilder(), batcher, Preset());
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(batches_.load(), 0);
}

}  // namespace
}  // namespace itaclip::server
