#include "core/clip/vision_transformer.h"

#include <ATen/ATen.h>

#include "core/clip/clip_model.h"
#include "gtest/gtest.h"
#include "tests/core/clip/reference_vit.h"
#include "tests/testing/tiny_model.h"

namespace itaclip::clip {
namespace {

class VisionTransformerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    at::manual_seed(7);
    weights_ = testing::MakeTinyWeights(/*seed=*/11);
  }
  checkpoint::ClipWeights weights_;
};

TEST_F(VisionTransformerTest, MatchesLiteralTranscriptionOfTheSpec) {
  at::Tensor images = at::randn({2, 3, 224, 224});
  at::Tensor out = ItaclipVisionForward(weights_, images);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{2, 197, weights_.config.embed_dim}));
  for (int64_t i = 0; i < 2; ++i) {
    at::Tensor expected = reference::ItaclipVision(weights_, images[i]);
    EXPECT_LT((out[i] - expected).abs().max().item<double>(),
              1e-4 * expected.abs().max().item<double>())
        << "image " << i;
  }
}

TEST_F(VisionTransformerTest, BatchingDoesNotChangeResults) {
  at::Tensor images = at::randn({3, 3, 224, 224});
  at::Tensor batched = ItaclipVisionForward(weights_, images);
  for (int64_t i = 0; i < 3; ++i) {
    at::Tensor alone = ItaclipVisionForward(weights_, images.slice(0, i, i + 1))[0];
    EXPECT_TRUE(at::allclose(batched[i], alone, 1e-5, 1e-5)) << "image " << i;
  }
}

TEST_F(VisionTransformerTest, LastBlockSkipsItsMlpButEarlierBlocksUseTheirs) {
  at::Tensor images = at::randn({1, 3, 224, 224});
  at::Tensor base = ItaclipVisionForward(weights_, images);

  checkpoint::ClipWeights changed_last = weights_;
  changed_last.vision.blocks.back().fc_weight = weights_.vision.blocks.back().fc_weight + 1.0;
  changed_last.vision.blocks.back().ln_2_weight = weights_.vision.blocks.back().ln_2_weight * 3.0;
  EXPECT_TRUE(at::equal(ItaclipVisionForward(changed_last, images), base));

  checkpoint::ClipWeights changed_earlier = weights_;
  changed_earlier.vision.blocks[10].fc_weight = weights_.vision.blocks[10].fc_weight + 1.0;
  EXPECT_FALSE(at::allclose(ItaclipVisionForward(changed_earlier, images), base));
}

TEST_F(VisionTransformerTest, SmallNonSquareCropUsesFlooredGridAndDropsBorderPixels) {
  // 40 x 50 pixels: a 2 x 3 patch grid; rows 32..39 and columns 48..49 are not seen.
  at::Tensor image = at::randn({1, 3, 40, 50});
  at::Tensor out = ItaclipVisionForward(weights_, image);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1, 1 + 2 * 3, weights_.config.embed_dim}));
  at::Tensor border_changed = image.clone();
  border_changed.slice(2, 32).fill_(5.0);
  border_changed.slice(3, 48).fill_(-5.0);
  EXPECT_TRUE(at::equal(ItaclipVisionForward(weights_, border_changed), out));
}

TEST_F(VisionTransformerTest, ModelRejectsImagesSmallerThanAPatch) {
  ClipModel model(weights_);
  absl::StatusOr<at::Tensor> result = model.EncodeImages(at::zeros({1, 3, 8, 224}));
  EXPECT_EQ(result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(model.EncodeImages(at::zeros({1, 1, 224, 224})).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace itaclip::clip
