#include "core/checkpoint/infer_clip_config.h"

#include <ATen/ATen.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "absl/strings/str_cat.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/random_state_dict.h"
#include "tests/testing/tiny_checkpoint.h"

namespace itaclip::checkpoint {
namespace {

using ::testing::HasSubstr;

// A tensor of the given shape that owns no memory (a broadcast scalar): shapes
// are all that InferClipConfig reads, and a full ViT-B/16 in real memory would
// cost 600 MB.
at::Tensor Shaped(std::vector<int64_t> shape) { return at::zeros({}).expand(shape); }

void AddBlock(StateDict& dict, const std::string& prefix, int64_t width) {
  dict[prefix + "ln_1.weight"] = Shaped({width});
  dict[prefix + "ln_1.bias"] = Shaped({width});
  dict[prefix + "attn.in_proj_weight"] = Shaped({3 * width, width});
  dict[prefix + "attn.in_proj_bias"] = Shaped({3 * width});
  dict[prefix + "attn.out_proj.weight"] = Shaped({width, width});
  dict[prefix + "attn.out_proj.bias"] = Shaped({width});
  dict[prefix + "ln_2.weight"] = Shaped({width});
  dict[prefix + "ln_2.bias"] = Shaped({width});
  dict[prefix + "mlp.c_fc.weight"] = Shaped({4 * width, width});
  dict[prefix + "mlp.c_fc.bias"] = Shaped({4 * width});
  dict[prefix + "mlp.c_proj.weight"] = Shaped({width, 4 * width});
  dict[prefix + "mlp.c_proj.bias"] = Shaped({width});
}

// The OpenAI ViT-B/16 state dict shapes, transcribed from the spec's table
// (section 1.1).
StateDict VitB16Shapes() {
  StateDict dict;
  dict["visual.conv1.weight"] = Shaped({768, 3, 16, 16});
  dict["visual.class_embedding"] = Shaped({768});
  dict["visual.positional_embedding"] = Shaped({197, 768});
  dict["visual.ln_pre.weight"] = Shaped({768});
  dict["visual.ln_pre.bias"] = Shaped({768});
  for (int i = 0; i < 12; ++i)
    AddBlock(dict, absl::StrCat("visual.transformer.resblocks.", i, "."), 768);
  dict["visual.ln_post.weight"] = Shaped({768});
  dict["visual.ln_post.bias"] = Shaped({768});
  dict["visual.proj"] = Shaped({768, 512});
  dict["token_embedding.weight"] = Shaped({49408, 512});
  dict["positional_embedding"] = Shaped({77, 512});
  for (int i = 0; i < 12; ++i) AddBlock(dict, absl::StrCat("transformer.resblocks.", i, "."), 512);
  dict["ln_final.weight"] = Shaped({512});
  dict["ln_final.bias"] = Shaped({512});
  dict["text_projection"] = Shaped({512, 512});
  dict["logit_scale"] = Shaped({});
  return dict;
}

void ExpectConfigsEqual(const ClipConfig& actual, const ClipConfig& expected) {
  EXPECT_EQ(actual.vision_width, expected.vision_width);
  EXPECT_EQ(actual.vision_layers, expected.vision_layers);
  EXPECT_EQ(actual.vision_heads, expected.vision_heads);
  EXPECT_EQ(actual.patch_size, expected.patch_size);
  EXPECT_EQ(actual.grid_size, expected.grid_size);
  EXPECT_EQ(actual.image_resolution, expected.image_resolution);
  EXPECT_EQ(actual.embed_dim, expected.embed_dim);
  EXPECT_EQ(actual.text_width, expected.text_width);
  EXPECT_EQ(actual.text_layers, expected.text_layers);
  EXPECT_EQ(actual.text_heads, expected.text_heads);
  EXPECT_EQ(actual.context_length, expected.context_length);
  EXPECT_EQ(actual.vocab_size, expected.vocab_size);
}

TEST(InferClipConfigTest, ReadsTheSpecNumbersOffViTB16Shapes) {
  const absl::StatusOr<ClipConfig> config = InferClipConfig(VitB16Shapes());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->vision_width, 768);
  EXPECT_EQ(config->vision_layers, 12);
  EXPECT_EQ(config->vision_heads, 12);
  EXPECT_EQ(config->patch_size, 16);
  EXPECT_EQ(config->grid_size, 14);
  EXPECT_EQ(config->image_resolution, 224);
  EXPECT_EQ(config->embed_dim, 512);
  EXPECT_EQ(config->text_width, 512);
  EXPECT_EQ(config->text_layers, 12);
  EXPECT_EQ(config->text_heads, 8);
  EXPECT_EQ(config->context_length, 77);
  EXPECT_EQ(config->vocab_size, 49408);
  // The hard-coded shape used for benchmarks on random weights is the same architecture.
  ExpectConfigsEqual(VitB16ClipConfig(), *config);
}

TEST(InferClipConfigTest, TinyConfigHasViTB16DepthPatchAndGrid) {
  ClipConfig expected;
  expected.vision_width = 64;
  expected.vision_layers = 12;
  expected.vision_heads = 1;
  expected.patch_size = 16;
  expected.grid_size = 14;
  expected.image_resolution = 224;
  expected.embed_dim = 32;
  expected.text_width = 64;
  expected.text_layers = 12;
  expected.text_heads = 1;
  expected.context_length = 77;
  expected.vocab_size = 49408;
  ExpectConfigsEqual(checkpoint::TinyClipConfig(), expected);
}

TEST(InferClipConfigTest, RecoversTheTinyConfigFromRandomWeights) {
  const ClipConfig tiny = checkpoint::TinyClipConfig();
  const absl::StatusOr<ClipConfig> config = InferClipConfig(MakeRandomClipStateDict(tiny, 1));
  ASSERT_TRUE(config.ok()) << config.status();
  ExpectConfigsEqual(*config, tiny);
}

TEST(InferClipConfigTest, DebugStringNamesTheNumbers) {
  const absl::StatusOr<ClipConfig> config = InferClipConfig(VitB16Shapes());
  ASSERT_TRUE(config.ok()) << config.status();
  const std::string text = config->DebugString();
  EXPECT_THAT(text, HasSubstr("width 768, 12 layers, 12 heads, patch 16, grid 14"));
  EXPECT_THAT(text, HasSubstr("embed 512"));
  EXPECT_THAT(text, HasSubstr("width 512, 12 layers, 8 heads, context 77, vocab 49408"));
}

void ExpectInvalid(const StateDict& dict, const std::string& message_part) {
  const absl::StatusOr<ClipConfig> config = InferClipConfig(dict);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(std::string(config.status().message()), HasSubstr(message_part));
}

TEST(InferClipConfigTest, MissingKeyIsNamed) {
  StateDict dict = VitB16Shapes();
  dict.erase("text_projection");
  ExpectInvalid(dict, "missing key text_projection");
  dict = VitB16Shapes();
  dict.erase("visual.conv1.weight");
  ExpectInvalid(dict, "missing key visual.conv1.weight");
}

TEST(InferClipConfigTest, WidthMustBeAMultipleOf64) {
  StateDict dict = VitB16Shapes();
  dict["visual.conv1.weight"] = Shaped({760, 3, 16, 16});
  ExpectInvalid(dict, "vision width 760");
  dict = VitB16Shapes();
  dict["ln_final.weight"] = Shaped({500});
  ExpectInvalid(dict, "text width 500");
}

TEST(InferClipConfigTest, ConvKernelMustBeSquareWithThreeChannels) {
  StateDict dict = VitB16Shapes();
  dict["visual.conv1.weight"] = Shaped({768, 4, 16, 16});
  ExpectInvalid(dict, "visual.conv1.weight has shape [768, 4, 16, 16]");
  dict["visual.conv1.weight"] = Shaped({768, 3, 16, 8});
  ExpectInvalid(dict, "visual.conv1.weight has shape [768, 3, 16, 8]");
  dict["visual.conv1.weight"] = Shaped({768, 3, 16});
  ExpectInvalid(dict, "expected 4 dimensions");
}

TEST(InferClipConfigTest, PositionalGridMustBeSquare) {
  StateDict dict = VitB16Shapes();
  dict["visual.positional_embedding"] = Shaped({196, 768});  // 195 patches: not a square
  ExpectInvalid(dict, "visual.positional_embedding has 196 rows");
  dict["visual.positional_embedding"] = Shaped({1, 768});  // no patch at all
  ExpectInvalid(dict, "visual.positional_embedding has 1 rows");
}

TEST(InferClipConfigTest, LayersMustBeNumberedFromZeroWithoutGaps) {
  StateDict dict = VitB16Shapes();
  for (auto it = dict.begin(); it != dict.end();) {
    it = it->first.rfind("transformer.resblocks.5.", 0) == 0 ? dict.erase(it) : std::next(it);
  }
  ExpectInvalid(dict, "not numbered 0..n-1: found indices 0, 1, 2, 3, 4, 6, 7, 8, 9, 10, 11");

  dict = VitB16Shapes();
  dict["visual.transformer.resblocks.x.ln_1.weight"] = Shaped({768});
  ExpectInvalid(dict, "malformed layer key visual.transformer.resblocks.x.ln_1.weight");
}

TEST(InferClipConfigTest, NoLayersIsAnError) {
  StateDict dict = VitB16Shapes();
  for (auto it = dict.begin(); it != dict.end();) {
    it = it->first.rfind("visual.transformer.", 0) == 0 ? dict.erase(it) : std::next(it);
  }
  ExpectInvalid(dict, "no layers");
}

}  // namespace
}  // namespace itaclip::checkpoint

namespace itaclip::checkpoint {
namespace {

TEST(KnownClipConfigTest, NamesTheTwoShapesAndRefusesOthers) {
  ExpectConfigsEqual(*KnownClipConfig("tiny"), TinyClipConfig());
  ExpectConfigsEqual(*KnownClipConfig("vit-b-16"), VitB16ClipConfig());
  const absl::StatusOr<ClipConfig> unknown = KnownClipConfig("vit-l-14");
  EXPECT_EQ(unknown.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(unknown.status().message().find("vit-l-14"), absl::string_view::npos);
}

}  // namespace
}  // namespace itaclip::checkpoint
