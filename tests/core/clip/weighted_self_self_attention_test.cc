// The weighted-attentions form of ITACLIP's fused self-self attention computes the same function
// as the materialised maps, and its primitive is softmax(x xᵀ/√d)·v.
#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "core/checkpoint/assemble_clip_weights.h"
#include "core/checkpoint/known_clip_configs.h"
#include "core/checkpoint/random_state_dict.h"
#include "core/clip/attention_kernels.h"
#include "core/clip/clip_model.h"
#include "core/clip/self_self_attention_mode.h"
#include "core/clip/vision_transformer.h"
#include "gtest/gtest.h"
#include "tests/testing/tiny_model.h"

namespace itaclip::clip {
namespace {

double MaxAbsDiff(const at::Tensor& a, const at::Tensor& b) {
  return (a - b).abs().max().item<double>();
}

TEST(AttentionOfSelfProductsTest, MatchesExplicitLoopsOnTwoHeadsThreeTokens) {
  // d = 4, so 1/√d = 1/2. Small integer-ish entries keep the softmax far from saturation.
  const float xs[2][3][4] = {{{1, 0, -1, 2}, {0.5, 1, 0, -1}, {-1, 2, 1, 0}},
                             {{0, 0, 0, 0}, {1, 1, 1, 1}, {2, -1, 0, 0.5}}};
  const float vs[2][3][4] = {{{1, 2, 3, 4}, {-1, 0, 1, 0}, {0, 0, 2, -2}},
                             {{3, 0, 0, 1}, {0, -2, 1, 1}, {1, 1, 1, 1}}};
  at::Tensor x = at::empty({1, 2, 3, 4}), v = at::empty({1, 2, 3, 4});
  for (int h = 0; h < 2; ++h) {
    for (int i = 0; i < 3; ++i) {
      for (int c = 0; c < 4; ++c) {
        x[0][h][i][c] = xs[h][i][c];
        v[0][h][i][c] = vs[h][i][c];
      }
    }
  }
  at::Tensor out = AttentionOfSelfProducts(x, v);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, 2, 3, 4}));
  for (int h = 0; h < 2; ++h) {
    for (int i = 0; i < 3; ++i) {
      double weights[3], total = 0;
      for (int j = 0; j < 3; ++j) {
        double dot = 0;
        for (int c = 0; c < 4; ++c) dot += double{xs[h][i][c]} * xs[h][j][c];
        weights[j] = std::exp(dot / 2.0);
        total += weights[j];
      }
      for (int c = 0; c < 4; ++c) {
        double expected = 0;
        for (int j = 0; j < 3; ++j) expected += weights[j] / total * vs[h][j][c];
        EXPECT_NEAR(out[0][h][i][c].item<double>(), expected, 1e-5)
            << "head " << h << " token " << i << " channel " << c;
      }
    }
  }
}

TEST(AttentionOfSelfProductsTest, KeepsTheInputDtype) {
  at::Tensor x = at::randn({1, 1, 5, 8}, at::kDouble), v = at::randn({1, 1, 5, 8}, at::kDouble);
  EXPECT_EQ(AttentionOfSelfProducts(x, v).scalar_type(), at::kDouble);
}

class WeightedSelfSelfTest : public ::testing::TestWithParam<std::pair<int64_t, int64_t>> {};

TEST_P(WeightedSelfSelfTest, EqualsMaterialisedMapsOnTheTinyModel) {
  static const checkpoint::ClipWeights* weights =
      new checkpoint::ClipWeights(testing::MakeTinyWeights(/*seed=*/11));
  at::manual_seed(5);
  const auto [h, w] = GetParam();
  at::Tensor images = at::randn({2, 3, h, w});
  at::Tensor materialised =
      ItaclipVisionForward(*weights, images, SelfSelfAttentionMode::kMaterialized);
  at::Tensor weighted =
      ItaclipVisionForward(*weights, images, SelfSelfAttentionMode::kWeightedAttentions);
  ASSERT_EQ(weighted.sizes(), materialised.sizes());
  // The forms differ only in the order of the final sums; a wrong weight (e.g. 1/3 instead of
  // 1/6 on the mid terms) moves features by far more than this.
  EXPECT_LE(MaxAbsDiff(weighted, materialised), 1e-5)
      << "features up to " << materialised.abs().max().item<double>();
}

INSTANTIATE_TEST_SUITE_P(CropSizes, WeightedSelfSelfTest,
                         ::testing::Values(std::make_pair(224, 224), std::make_pair(224, 320),
                                           std::make_pair(32, 48), std::make_pair(336, 336)));

TEST(WeightedSelfSelfMultiHeadTest, EqualsMaterialisedMapsWithTwoHeads) {
  // The tiny model has one head; width 128 gives two, so the per-head split is exercised too.
  checkpoint::ClipConfig config = checkpoint::TinyClipConfig();
  config.vision_width = 128;
  config.vision_heads = 2;
  absl::StatusOr<checkpoint::ClipWeights> weights = checkpoint::AssembleClipWeights(
      checkpoint::MakeRandomClipStateDict(config, 3), config, checkpoint::LoadOptions{});
  ASSERT_TRUE(weights.ok()) << weights.status();
  at::manual_seed(9);
  at::Tensor images = at::randn({1, 3, 224, 320});
  EXPECT_LE(
      MaxAbsDiff(ItaclipVisionForward(*weights, images, SelfSelfAttentionMode::kWeightedAttentions),
                 ItaclipVisionForward(*weights, images, SelfSelfAttentionMode::kMaterialized)),
      1e-5);
}

TEST(WeightedSelfSelfModelTest, ClipModelUsesItsMode) {
  ClipModel materialised(testing::MakeTinyWeights(11), SelfSelfAttentionMode::kMaterialized);
  ClipModel weighted(testing::MakeTinyWeights(11), SelfSelfAttentionMode::kWeightedAttentions);
  EXPECT_EQ(materialised.attention_mode(), SelfSelfAttentionMode::kMaterialized);
  EXPECT_EQ(weighted.attention_mode(), SelfSelfAttentionMode::kWeightedAttentions);
  at::manual_seed(2);
  at::Tensor images = at::randn({1, 3, 224, 224});
  absl::StatusOr<at::Tensor> a = materialised.EncodeImages(images);
  absl::StatusOr<at::Tensor> b = weighted.EncodeImages(images);
  ASSERT_TRUE(a.ok() && b.ok());
  EXPECT_LE(MaxAbsDiff(*a, *b), 1e-5);
}

TEST(SelfSelfAttentionModeTest, DefaultIsWeightedOnCudaAndMaterialisedOnTheCpu) {
  EXPECT_EQ(DefaultSelfSelfAttentionMode(c10::DeviceType::CUDA),
            SelfSelfAttentionMode::kWeightedAttentions);
  EXPECT_EQ(DefaultSelfSelfAttentionMode(c10::DeviceType::CPU),
            SelfSelfAttentionMode::kMaterialized);
  // A model on the CPU takes the CPU's default unless told otherwise.
  EXPECT_EQ(ClipModel(testing::MakeTinyWeights(11)).attention_mode(),
            SelfSelfAttentionMode::kMaterialized);
}

TEST(SelfSelfAttentionModeTest, NamesRoundTripAndUnknownNamesAreRejected) {
  for (SelfSelfAttentionMode mode :
       {SelfSelfAttentionMode::kMaterialized, SelfSelfAttentionMode::kWeightedAttentions}) {
    absl::StatusOr<SelfSelfAttentionMode> parsed =
        ParseSelfSelfAttentionMode(SelfSelfAttentionModeName(mode));
    ASSERT_TRUE(parsed.ok());
    EXPECT_EQ(*parsed, mode);
  }
  EXPECT_EQ(SelfSelfAttentionModeName(SelfSelfAttentionMode::kWeightedAttentions), "weighted");
  absl::StatusOr<SelfSelfAttentionMode> bad = ParseSelfSelfAttentionMode("fused");
  EXPECT_EQ(bad.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("fused"), absl::string_view::npos);
}

}  // namespace
}  // namespace itaclip::clip
