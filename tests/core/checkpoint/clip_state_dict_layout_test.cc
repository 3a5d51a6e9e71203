#include "core/checkpoint/clip_state_dict_layout.h"

#include <gtest/gtest.h>

#include <set>
#include <string>

namespace itaclip::checkpoint {
namespace {

ClipConfig VitB16Config() {
  ClipConfig config;
  config.vision_width = 768;
  config.vision_layers = 12;
  config.vision_heads = 12;
  config.patch_size = 16;
  config.grid_size = 14;
  config.image_resolution = 224;
  config.embed_dim = 512;
  config.text_width = 512;
  config.text_layers = 12;
  config.text_heads = 8;
  config.context_length = 77;
  config.vocab_size = 49408;
  return config;
}

int64_t Numel(const std::vector<int64_t>& shape) {
  int64_t numel = 1;
  for (int64_t size : shape) numel *= size;
  return numel;
}

TEST(ClipStateDictLayoutTest, ViTB16HasThePublishedParameterCount) {
  // 149,620,737 is CLIP ViT-B/16's published parameter count; by hand: vision
  // 589,824 (conv1) + 768
  // + 151,296 + 1,536 + 12 x 7,087,872 + 1,536 + 393,216 = 86,192,640; text
  // 25,296,896 + 39,424 + 12 x 3,152,384 + 1,024 + 262,144 = 63,428,096; plus
  // logit_scale.
  int64_t total = 0;
  for (const ClipTensorSpec& spec : ClipStateDictLayout(VitB16Config())) total += Numel(spec.shape);
  EXPECT_EQ(total, 149'620'737);
}

TEST(ClipStateDictLayoutTest, KeysAreUniqueAndCountedPerBlock) {
  const std::vector<ClipTensorSpec> specs = ClipStateDictLayout(VitB16Config());
  std::set<std::string> keys;
  for (const ClipTensorSpec& spec : specs) keys.insert(spec.key);
  EXPECT_EQ(keys.size(), specs.size());
  // 8 vision globals (conv1, class, positional, ln_pre x2, ln_post x2, proj), 2
  // x 12 blocks x 12 tensors, 5 text globals (token, positional, ln_final x2,
  // text_projection), logit_scale.
  EXPECT_EQ(specs.size(), 8u + 2 * 12 * 12 + 5 + 1);
}

TEST(ClipStateDictLayoutTest, ShapesAndGroupsOfSampleKeys) {
  const std::vector<ClipTensorSpec> specs = ClipStateDictLayout(VitB16Config());
  auto find = [&](const std::string& key) -> const ClipTensorSpec* {
    for (const ClipTensorSpec& spec : specs) {
      if (spec.key == key) return &spec;
    }
    return nullptr;
  };
  struct Expected {
    const char* key;
    std::vector<int64_t> shape;
    PrecisionGroup group;
  };
  const Expected expected[] = {
      {"visual.conv1.weight", {768, 3, 16, 16}, PrecisionGroup::kMatrix},
      {"visual.positional_embedding", {197, 768}, PrecisionGroup::kFloat32},
      {"visual.transformer.resblocks.11.attn.in_proj_weight", {2304, 768}, PrecisionGroup::kMatrix},
      {"visual.transformer.resblocks.0.attn.in_proj_bias", {2304}, PrecisionGroup::kMatrix},
      {"visual.transformer.resblocks.3.mlp.c_fc.bias", {3072}, PrecisionGroup::kMatrix},
      {"visual.transformer.resblocks.3.mlp.c_proj.weight", {768, 3072}, PrecisionGroup::kMatrix},
      {"visual.transformer.resblocks.3.ln_2.bias", {768}, PrecisionGroup::kFloat32},
      {"visual.proj", {768, 512}, PrecisionGroup::kMatrix},
      {"token_embedding.weight", {49408, 512}, PrecisionGroup::kFloat32},
      {"positional_embedding", {77, 512}, PrecisionGroup::kFloat32},
      {"transformer.resblocks.11.attn.out_proj.weight", {512, 512}, PrecisionGroup::kMatrix},
      {"ln_final.bias", {512}, PrecisionGroup::kFloat32},
      {"text_projection", {512, 512}, PrecisionGroup::kMatrix},
      {"logit_scale", {}, PrecisionGroup::kFloat32},
  };
  for (const Expected& e : expected) {
    const ClipTensorSpec* spec = find(e.key);
    ASSERT_NE(spec, nullptr) << e.key;
    EXPECT_EQ(spec->shape, e.shape) << e.key;
    EXPECT_EQ(spec->group, e.group) << e.key;
    EXPECT_EQ(spec->required, std::string(e.key) != "logit_scale") << e.key;
  }
  EXPECT_EQ(find("transformer.resblocks.12.ln_1.weight"), nullptr);
}

}  // namespace
}  // namespace itaclip::checkpoint
