#include "core/pipeline/model_bundle.h"

#include <ATen/ATen.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/pipeline/configs_folder.h"
#include "core/pipeline/preset_file.h"
#include "core/text/prompt_templates.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"
#include "tests/testing/tiny_model.h"

namespace itaclip::pipeline {
namespace {

using ::testing::HasSubstr;

constexpr uint64_t kSeed = 41;

std::string BpePath() { return testing::SharedPath("reference/clip/bpe_simple_vocab_16e6.txt.gz"); }

std::string ConfigsDir() { return testing::SourcePath("configs"); }

// What the server asks for: every preset of the source tree's configs/, voc21 the default.
ModelBundleOptions ServerLikeOptions() {
  ModelBundleOptions options;
  options.checkpoint = testing::TinyCheckpointPath(kSeed);
  options.bpe_vocabulary = BpePath();
  options.templates_file = TemplatesFileIn(ConfigsDir());
  options.presets_dir = PresetsDirIn(ConfigsDir());
  options.default_preset = "voc21";
  return options;
}

text::VocabularySpec TwoClasses() {
  text::VocabularySpec spec;
  spec.classes = {{{"cat"}, "a small pet"}, {{"dog", "puppy"}, ""}};
  return spec;
}

TEST(ModelBundleTest, LoadsTheModelTokenizerTemplatesEmbedderAndEveryPreset) {
  absl::StatusOr<ModelBundle> bundle = ModelBundle::Load(ServerLikeOptions());
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  ASSERT_NE(bundle->model, nullptr);
  ASSERT_NE(bundle->tokenizer, nullptr);
  ASSERT_NE(bundle->embedder, nullptr);
  EXPECT_EQ(bundle->model->config().vision_width, checkpoint::TinyClipConfig().vision_width);
  EXPECT_EQ(bundle->device, c10::Device(c10::kCPU));
  EXPECT_EQ(bundle->dtype, c10::kFloat);  // DefaultComputeDtype of the CPU
  EXPECT_EQ(bundle->model->dtype(), c10::kFloat);
  EXPECT_EQ(bundle->templates.size(), 80u);

  const std::vector<std::string> names = ListPresets(PresetsDirIn(ConfigsDir()));
  ASSERT_FALSE(names.empty());
  ASSERT_EQ(bundle->presets.size(), names.size());
  for (const std::string& name : names) {
    absl::StatusOr<PipelineParams> expected = LoadPreset(PresetsDirIn(ConfigsDir()), name);
    ASSERT_TRUE(expected.ok()) << expected.status();
    ASSERT_EQ(bundle->presets.count(name), 1u) << name;
    EXPECT_EQ(bundle->presets.at(name).crop_size, expected->crop_size) << name;
    EXPECT_EQ(bundle->presets.at(name).background_first, expected->background_first) << name;
  }
}

TEST(ModelBundleTest, ItsEmbedderUsesTheBundlesModelTokenizerAndTemplatesAfterAMove) {
  absl::StatusOr<ModelBundle> loaded = ModelBundle::Load(ServerLikeOptions());
  ASSERT_TRUE(loaded.ok()) << loaded.status();
  // The embedder refers to the model and the tokenizer: moving the bundle must keep them valid.
  const ModelBundle bundle = *std::move(loaded);
  absl::StatusOr<text::QueryEmbeddings> from_bundle = bundle.embedder->Embed(TwoClasses(), 0.3);
  ASSERT_TRUE(from_bundle.ok()) << from_bundle.status();

  absl::StatusOr<text::BpeTokenizer> tokenizer = text::BpeTokenizer::Load(BpePath());
  ASSERT_TRUE(tokenizer.ok()) << tokenizer.status();
  absl::StatusOr<std::vector<std::string>> templates =
      text::LoadPromptTemplates(TemplatesFileIn(ConfigsDir()));
  ASSERT_TRUE(templates.ok()) << templates.status();
  const text::TextEmbedder by_hand(*bundle.model, *tokenizer, *templates);
  absl::StatusOr<text::QueryEmbeddings> expected = by_hand.Embed(TwoClasses(), 0.3);
  ASSERT_TRUE(expected.ok()) << expected.status();

  ASSERT_EQ(from_bundle->embeddings.sizes(), expected->embeddings.sizes());
  EXPECT_TRUE(at::equal(from_bundle->embeddings, expected->embeddings));
  EXPECT_EQ(from_bundle->class_names, expected->class_names);
}

TEST(ModelBundleTest, LoadsOnlyTheNamedPresets) {
  ModelBundleOptions options = ServerLikeOptions();
  options.preset_names = {"context60"};
  options.default_preset = "";
  absl::StatusOr<ModelBundle> bundle = ModelBundle::Load(options);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  ASSERT_EQ(bundle->presets.size(), 1u);
  EXPECT_EQ(bundle->presets.count("context60"), 1u);
}

TEST(ModelBundleTest, WithoutAPresetsFolderLoadsNoPresets) {
  ModelBundleOptions options = ServerLikeOptions();
  options.presets_dir = "";
  options.default_preset = "";
  absl::StatusOr<ModelBundle> bundle = ModelBundle::Load(options);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_TRUE(bundle->presets.empty());
  EXPECT_NE(bundle->embedder, nullptr);
}

TEST(ModelBundleTest, WithoutWeightsIsATokenizerOnlyBundle) {
  ModelBundleOptions options;
  options.bpe_vocabulary = BpePath();
  absl::StatusOr<ModelBundle> bundle = ModelBundle::Load(options);
  ASSERT_TRUE(bundle.ok()) << bundle.status();
  EXPECT_EQ(bundle->model, nullptr);
  EXPECT_EQ(bundle->embedder, nullptr);
  ASSERT_NE(bundle->tokenizer, nullptr);
  absl::StatusOr<std::vector<int32_t>> ids = bundle->tokenizer->Tokenize("a", 77);
  ASSERT_TRUE(ids.ok()) << ids.status();
  EXPECT_EQ(*ids, (std::vector<int32_t>{49406, 320, 49407}));  // start, "a</w>", end
}

TEST(ModelBundleTest, RandomWeightsOfAKnownShape) {
  ModelBundleOptions options = ServerLikeOptions();
  options.checkpoint = "";
  options.random_weights_shape = "tiny";
  absl::StatusOr<ModelBundle> a = ModelBundle::Load(options);
  ASSERT_TRUE(a.ok()) << a.status();
  EXPECT_EQ(a->model->config().vision_layers, checkpoint::TinyClipConfig().vision_layers);
  // The same seed gives the same weights (the benchmark compares devices on them).
  absl::StatusOr<ModelBundle> b = ModelBundle::Load(options);
  ASSERT_TRUE(b.ok()) << b.status();
  absl::StatusOr<text::QueryEmbeddings> ea = a->embedder->Embed(TwoClasses(), 0);
  absl::StatusOr<text::QueryEmbeddings> eb = b->embedder->Embed(TwoClasses(), 0);
  ASSERT_TRUE(ea.ok() && eb.ok());
  EXPECT_TRUE(at::equal(ea->embeddings, eb->embeddings));

  options.random_weights_shape = "no-such-shape";
  EXPECT_FALSE(ModelBundle::Load(options).ok());
}

// The errors are the loaders' own, unchanged (code and message naming the file).
TEST(ModelBundleTest, AMissingCheckpointIsTheCheckpointLoadersError) {
  ModelBundleOptions options = ServerLikeOptions();
  options.checkpoint = testing::ScratchDir() + "/no-such.safetensors";
  absl::StatusOr<ModelBundle> bundle = ModelBundle::Load(options);
  ASSERT_FALSE(bundle.ok());
  EXPECT_EQ(bundle.status(),
            clip::ClipModel::Load(options.checkpoint, options.device, c10::kFloat).status());
  EXPECT_THAT(bundle.status().message(), HasSubstr("no-such.safetensors"));
}

TEST(ModelBundleTest, AMissingBpeFileIsTheTokenizersError) {
  ModelBundleOptions options = ServerLikeOptions();
  options.bpe_vocabulary = testing::ScratchDir() + "/no-such-bpe.txt.gz";
  absl::StatusOr<ModelBundle> bundle = ModelBundle::Load(options);
  ASSERT_FALSE(bundle.ok());
  EXPECT_EQ(bundle.status(), text::BpeTokenizer::Load(options.bpe_vocabulary).status());
  EXPECT_THAT(bundle.status().message(), HasSubstr("no-such-bpe.txt.gz"));

  options.bpe_vocabulary = "";
  EXPECT_EQ(ModelBundle::Load(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ModelBundleTest, AMissingTemplatesFileIsTheTemplateLoadersError) {
  ModelBundleOptions options = ServerLikeOptions();
  options.templates_file = testing::ScratchDir() + "/no-such-templates.txt";
  absl::StatusOr<ModelBundle> bundle = ModelBundle::Load(options);
  ASSERT_FALSE(bundle.ok());
  EXPECT_EQ(bundle.status(), text::LoadPromptTemplates(options.templates_file).status());
  EXPECT_EQ(bundle.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(bundle.status().message(), HasSubstr("no-such-templates.txt"));

  options.templates_file = "";  // a model needs templates
  EXPECT_EQ(ModelBundle::Load(options).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ModelBundleTest, AnUnknownDefaultPresetIsNotFoundNamingTheFolder) {
  ModelBundleOptions options = ServerLikeOptions();
  options.default_preset = "no_such_preset";
  absl::StatusOr<ModelBundle> bundle = ModelBundle::Load(options);
  ASSERT_FALSE(bundle.ok());
  EXPECT_EQ(bundle.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(bundle.status().message(),
            "the default preset 'no_such_preset' is not in " + PresetsDirIn(ConfigsDir()));
}

TEST(ModelBundleTest, AnUnknownNamedPresetIsThePresetLoadersError) {
  ModelBundleOptions options = ServerLikeOptions();
  options.preset_names = {"voc21", "no_such_preset"};
  absl::StatusOr<ModelBundle> bundle = ModelBundle::Load(options);
  ASSERT_FALSE(bundle.ok());
  EXPECT_EQ(bundle.status(), LoadPreset(PresetsDirIn(ConfigsDir()), "no_such_preset").status());
}

}  // namespace
}  // namespace itaclip::pipeline
