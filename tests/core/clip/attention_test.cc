#include "core/clip/attention.h"

#include <ATen/ATen.h>

#include <cmath>
#include <vector>

#include "core/clip/attention_kernels.h"
#include "gtest/gtest.h"

namespace itaclip::clip {
namespace {

TEST(SelfSelfAttentionMapTest, IsTheSumOfTwoSoftmaxesSoRowsSumToTwo) {
  at::manual_seed(3);
  at::Tensor q = at::randn({2, 3, 9, 64}), k = at::randn({2, 3, 9, 64});
  at::Tensor map = SelfSelfAttentionMap(q, k);
  ASSERT_EQ(map.sizes(), (std::vector<int64_t>{2, 3, 9, 9}));
  EXPECT_TRUE(at::allclose(map.sum(-1), at::full({2, 3, 9}, 2.0), 1e-5, 1e-5));
}

TEST(SelfSelfAttentionMapTest, HandComputedTwoTokenCase) {
  // Head dim 64, so the scale is 1/8. q rows are 8·e0 and 8·e1: q qᵀ/8 = [[8, 0], [0, 8]].
  // k is zero: its softmax is uniform (1/2). Row 0 = [s + 1/2, (1 - s) + 1/2], s = e^8/(e^8 + 1).
  at::Tensor q = at::zeros({1, 1, 2, 64});
  q[0][0][0][0] = 8.0;
  q[0][0][1][1] = 8.0;
  at::Tensor map = SelfSelfAttentionMap(q, at::zeros({1, 1, 2, 64}));
  const double s = std::exp(8.0) / (std::exp(8.0) + 1.0);
  EXPECT_NEAR(map[0][0][0][0].item<double>(), s + 0.5, 1e-6);
  EXPECT_NEAR(map[0][0][0][1].item<double>(), 1.0 - s + 0.5, 1e-6);
  EXPECT_NEAR(map[0][0][1][1].item<double>(), s + 0.5, 1e-6);
}

// softmax(q kᵀ/√d + causal) v by explicit loops in double.
at::Tensor LoopAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                         bool causal) {
  const int64_t length = q.size(2), d = q.size(3);
  at::Tensor out = at::zeros_like(q, at::kDouble);
  for (int64_t h = 0; h < q.size(1); ++h) {
    for (int64_t i = 0; i < length; ++i) {
      std::vector<double> w(static_cast<size_t>(length), 0.0);
      double total = 0;
      for (int64_t j = 0; j < length; ++j) {
        if (causal && j > i) continue;
        double dot = 0;
        for (int64_t c = 0; c < d; ++c) {
          dot += q[0][h][i][c].item<double>() * k[0][h][j][c].item<double>();
        }
        w[static_cast<size_t>(j)] = std::exp(dot / std::sqrt(static_cast<double>(d)));
        total += w[static_cast<size_t>(j)];
      }
      for (int64_t j = 0; j < length; ++j) {
        out[0][h][i].add_(v[0][h][j].to(at::kDouble), w[static_cast<size_t>(j)] / total);
      }
    }
  }
  return out;
}

TEST(DotProductAttentionTest, MatchesExplicitLoopsWithAndWithoutTheCausalMask) {
  at::manual_seed(4);
  const at::Tensor q = at::randn({1, 2, 5, 16}), k = at::randn({1, 2, 5, 16}),
                   v = at::randn({1, 2, 5, 16});
  for (bool causal : {false, true}) {
    const at::Tensor out = DotProductAttention(q, k, v, causal);
    ASSERT_EQ(out.scalar_type(), at::kFloat);
    EXPECT_LT((out.to(at::kDouble) - LoopAttention(q, k, v, causal)).abs().max().item<double>(),
              1e-5)
        << "causal " << causal;
  }
  // The causal mask matters: the first query sees only the first key, so it returns the first
  // value exactly; without the mask it does not.
  EXPECT_TRUE(at::allclose(DotProductAttention(q, k, v, true)[0][0][0], v[0][0][0], 1e-6, 1e-6));
  EXPECT_FALSE(at::allclose(DotProductAttention(q, k, v, false)[0][0][0], v[0][0][0], 1e-3, 1e-3));
}

}  // namespace
}  // namespace itaclip::clip
