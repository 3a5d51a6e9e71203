#include "core/pipeline/logit_fusion.h"

#include <ATen/ATen.h>

#include "gtest/gtest.h"

namespace itaclip::pipeline {
namespace {

// Spec §5.2 steps 5-8 in their literal order: per-token normalisation, mean of three views, one
// product and one upsampling per branch, flips undone after upsampling, then the α blend.
at::Tensor LiteralFusion(const at::Tensor& views, int64_t rows, int64_t cols,
                         const at::Tensor& text, double alpha, int64_t h, int64_t w) {
  const int64_t k = views.size(0) / 5;
  at::Tensor f = views / views.norm(2, -1, true);
  auto branch = [&](const at::Tensor& tokens) {  // [k, L-1, E] -> [k, Q, h, w]
    at::Tensor s =
        at::matmul(tokens, text.t()).permute({0, 2, 1}).reshape({k, text.size(0), rows, cols});
    return at::upsample_bilinear2d(s, {h, w}, false);
  };
  auto view = [&](int i) { return f.slice(0, i * k, (i + 1) * k).slice(1, 1); };
  at::Tensor plain = branch((view(0) + view(1) + view(2)) / 3.0);
  at::Tensor flip = 0.5 * (branch(view(3)).flip({2}) + branch(view(4)).flip({3}));
  return alpha * plain + (1 - alpha) * flip;
}

TEST(LogitFusionTest, EqualsTheLiteralOrderOfTheSpec) {
  at::manual_seed(1);
  const int64_t k = 3, rows = 14, cols = 14, dim = 16, queries = 5;
  at::Tensor views = at::randn({5 * k, 1 + rows * cols, dim});
  at::Tensor text = at::randn({queries, dim});
  at::Tensor fused = FuseCropLogits(views, rows, cols, text, 0.7, 224, 224);
  at::Tensor literal = LiteralFusion(views, rows, cols, text, 0.7, 224, 224);
  ASSERT_EQ(fused.sizes(), literal.sizes());
  EXPECT_LT((fused - literal).abs().max().item<double>(), 1e-5);
}

TEST(LogitFusionTest, FlipCommutesWithUpsamplingForOddSizesToo) {
  // A small crop: 10 x 12 patches upsampled to 167 x 199 pixels (not multiples of the grid).
  at::manual_seed(2);
  const int64_t k = 2, rows = 10, cols = 12, dim = 8, queries = 3;
  at::Tensor views = at::randn({5 * k, 1 + rows * cols, dim});
  at::Tensor text = at::randn({queries, dim});
  at::Tensor fused = FuseCropLogits(views, rows, cols, text, 0.75, 167, 199);
  at::Tensor literal = LiteralFusion(views, rows, cols, text, 0.75, 167, 199);
  EXPECT_LT((fused - literal).abs().max().item<double>(), 1e-5);
}

TEST(LogitFusionTest, AlphaOneIgnoresTheFlipViews) {
  at::manual_seed(3);
  at::Tensor views = at::randn({5, 1 + 4, 8});
  at::Tensor text = at::randn({2, 8});
  at::Tensor base = FuseCropLogits(views, 2, 2, text, 1.0, 32, 32);
  at::Tensor changed = views.clone();
  changed.slice(0, 3).normal_();
  EXPECT_TRUE(at::allclose(FuseCropLogits(changed, 2, 2, text, 1.0, 32, 32), base));
}

}  // namespace
}  // namespace itaclip::pipeline
