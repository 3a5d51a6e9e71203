#include "core/checkpoint/random_state_dict.h"

#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cmath>

#include "core/checkpoint/clip_state_dict_layout.h"
#include "core/checkpoint/known_clip_configs.h"
#include "tests/testing/tiny_checkpoint.h"

namespace itaclip::checkpoint {
namespace {

TEST(RandomStateDictTest, HasEveryLayoutKeyWithItsShapeInFp32) {
  const ClipConfig config = checkpoint::TinyClipConfig();
  const StateDict dict = MakeRandomClipStateDict(config, 7);
  const std::vector<ClipTensorSpec> specs = ClipStateDictLayout(config);
  EXPECT_EQ(dict.size(), specs.size());
  for (const ClipTensorSpec& spec : specs) {
    auto it = dict.find(spec.key);
    ASSERT_NE(it, dict.end()) << spec.key;
    EXPECT_EQ(it->second.sizes().vec(), spec.shape) << spec.key;
    EXPECT_EQ(it->second.scalar_type(), at::kFloat) << spec.key;
    EXPECT_TRUE(it->second.isfinite().all().item<bool>()) << spec.key;
  }
}

TEST(RandomStateDictTest, IsDeterministicPerSeed) {
  const ClipConfig config = checkpoint::TinyClipConfig();
  const StateDict a = MakeRandomClipStateDict(config, 7);
  const StateDict b = MakeRandomClipStateDict(config, 7);
  const StateDict c = MakeRandomClipStateDict(config, 8);
  for (const auto& [key, tensor] : a) {
    EXPECT_TRUE(at::equal(tensor, b.at(key))) << key;
    if (key != "logit_scale") {
      EXPECT_FALSE(at::equal(tensor, c.at(key))) << key;
    }
  }
  // Keys with the same shape and init still get their own values.
  EXPECT_FALSE(at::equal(a.at("transformer.resblocks.0.attn.in_proj_weight"),
                         a.at("transformer.resblocks.1.attn.in_proj_weight")));
}

// Mean and standard deviation of a tensor, checked against the init openai/CLIP
// uses.
void ExpectMoments(const at::Tensor& tensor, double mean, double std, const char* key) {
  EXPECT_NEAR(tensor.mean().item<double>(), mean, std * 0.1 + 1e-6) << key;
  EXPECT_NEAR(tensor.std().item<double>(), std, std * 0.1) << key;
}

TEST(RandomStateDictTest, FollowsClipInitialisation) {
  const ClipConfig config = checkpoint::TinyClipConfig();  // widths 64, 12 layers
  const StateDict dict = MakeRandomClipStateDict(config, 11);
  const double width = 64;
  ExpectMoments(dict.at("token_embedding.weight"), 0, 0.02, "token_embedding");
  ExpectMoments(dict.at("positional_embedding"), 0, 0.01, "positional_embedding");
  ExpectMoments(dict.at("transformer.resblocks.4.attn.in_proj_weight"), 0, 1 / std::sqrt(width),
                "in_proj_weight");
  ExpectMoments(dict.at("visual.transformer.resblocks.4.attn.out_proj.weight"), 0,
                1 / std::sqrt(width) / std::sqrt(2 * 12.0), "out_proj");
  ExpectMoments(dict.at("transformer.resblocks.4.mlp.c_fc.weight"), 0, 1 / std::sqrt(2 * width),
                "c_fc");
  ExpectMoments(dict.at("text_projection"), 0, 1 / std::sqrt(width), "text_projection");
  ExpectMoments(dict.at("visual.positional_embedding"), 0, 1 / std::sqrt(width),
                "visual.positional_embedding");
  // LayerNorm parameters near 1 and 0 but not exactly, so that a swapped
  // weight/bias shows.
  const at::Tensor ln_weight = dict.at("visual.transformer.resblocks.0.ln_1.weight");
  EXPECT_NEAR(ln_weight.mean().item<double>(), 1.0, 0.03);
  EXPECT_GT(ln_weight.std().item<double>(), 0.02);
  EXPECT_NEAR(dict.at("ln_final.bias").mean().item<double>(), 0.0, 0.03);
  EXPECT_GT(dict.at("ln_final.bias").abs().max().item<double>(), 0.01);
  // Biases are non-zero too.
  EXPECT_GT(dict.at("visual.transformer.resblocks.0.attn.in_proj_bias").abs().max().item<double>(),
            0.001);
  // conv1: PyTorch's default U(-b, b), b = 1/sqrt(3 * 16 * 16).
  const at::Tensor conv1 = dict.at("visual.conv1.weight");
  const float bound = static_cast<float>(1 / std::sqrt(3.0 * 16 * 16));
  EXPECT_LE(conv1.abs().max().item<float>(), bound);
  EXPECT_GT(conv1.abs().max().item<float>(), 0.95f * bound);
  // logit_scale = log(1 / 0.07), as openai/CLIP initialises it (exp = 14.29).
  EXPECT_FLOAT_EQ(dict.at("logit_scale").item<float>(), static_cast<float>(std::log(1 / 0.07)));
}

}  // namespace
}  // namespace itaclip::checkpoint
