// The ViT activation estimate, per self-self attention mode, against figures worked out by hand.
#include "core/pipeline/crop_batching.h"

#include "core/checkpoint/known_clip_configs.h"
#include "gtest/gtest.h"

namespace itaclip::pipeline {
namespace {

using clip::SelfSelfAttentionMode;

// ViT-B/16 (width 768, 12 heads) on a 448x448 crop in fp16: L = 1 + 28·28 = 785 tokens.
//   materialised: 785 · (16·768 + 6·12·785) · 2 = 785 · (12288 + 56520) · 2 = 108,028,560
//   weighted:     785 · (22·768 + 2·12·785) · 2 = 785 · (16896 + 18840) · 2 =  56,105,520
TEST(CropBatchingTest, ViewActivationBytesByMode) {
  const checkpoint::ClipConfig config = checkpoint::VitB16ClipConfig();
  EXPECT_EQ(ViewActivationBytes(config, 448, 448, 2, SelfSelfAttentionMode::kMaterialized),
            108028560);
  EXPECT_EQ(ViewActivationBytes(config, 448, 448, 2, SelfSelfAttentionMode::kWeightedAttentions),
            56105520);
  // Without a mode the estimate is the (larger) materialised one.
  EXPECT_EQ(ViewActivationBytes(config, 448, 448, 2), 108028560);
}

// 1 GiB = 1,073,741,824 bytes. Five views per crop: 540,142,800 bytes materialised (1 crop fits),
// 280,527,600 weighted (3 fit: 3 · 280,527,600 = 841,582,800 ≤ 1 GiB < 4 · 280,527,600).
TEST(CropBatchingTest, WeightedModeFitsMoreCropsInTheSameBudget) {
  const checkpoint::ClipConfig config = checkpoint::VitB16ClipConfig();
  EXPECT_EQ(CropsPerBatch(config, 448, 448, 2, int64_t{1} << 30, 64,
                          SelfSelfAttentionMode::kMaterialized),
            1);
  EXPECT_EQ(CropsPerBatch(config, 448, 448, 2, int64_t{1} << 30, 64,
                          SelfSelfAttentionMode::kWeightedAttentions),
            3);
  EXPECT_EQ(CropsPerBatch(config, 448, 448, 2, int64_t{1} << 30, 2,
                          SelfSelfAttentionMode::kWeightedAttentions),
            2);
}

}  // namespace
}  // namespace itaclip::pipeline
