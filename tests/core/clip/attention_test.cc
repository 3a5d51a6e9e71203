#include "core/clip/attention.h"

#include <ATen/ATen.h>

#include <cmath>

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

TEST(ScaledDotProductAttentionTest, AdditiveMaskHidesLaterKeys) {
  at::Tensor q = at::randn({1, 1, 3, 64}), k = at::randn({1, 1, 3, 64}),
             v = at::randn({1, 1, 3, 64});
  at::Tensor mask = at::full({3, 3}, -INFINITY).triu_(1);
  at::Tensor out = ScaledDotProductAttention(q, k, v, mask);
  // The first query sees only the first key, so it returns the first value exactly.
  EXPECT_TRUE(at::allclose(out[0][0][0], v[0][0][0], 1e-6, 1e-6));
}

}  // namespace
}  // namespace itaclip::clip
