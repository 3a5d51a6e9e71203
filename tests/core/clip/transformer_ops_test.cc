#include "core/clip/transformer_ops.h"

#include <ATen/ATen.h>

#include "gtest/gtest.h"

namespace itaclip::clip {
namespace {

// c_proj(h·sigmoid(1.702 h)), h = c_fc(x), written literally as CLIP's modules compute it.
at::Tensor LiteralMlp(const at::Tensor& x, const at::Tensor& fc_w, const at::Tensor& fc_b,
                      const at::Tensor& proj_w, const at::Tensor& proj_b) {
  const at::Tensor h = at::matmul(x, fc_w.t()) + fc_b;
  return at::matmul(h * at::sigmoid(1.702 * h), proj_w.t()) + proj_b;
}

TEST(QuickGeluMlpTest, EqualsTheLiteralMlpOnBatchedTokens) {
  at::manual_seed(17);
  for (at::ScalarType dtype : {at::kFloat, at::kDouble}) {
    const at::TensorOptions options = at::TensorOptions().dtype(dtype);
    // [N, L, width] with width 8, hidden 32; values large enough to reach both tails of sigmoid.
    const at::Tensor x = at::randn({3, 5, 8}, options) * 3;
    const at::Tensor fc_w = at::randn({32, 8}, options), fc_b = at::randn({32}, options);
    const at::Tensor proj_w = at::randn({8, 32}, options), proj_b = at::randn({8}, options);
    const at::Tensor out = QuickGeluMlp(x, fc_w, fc_b, proj_w, proj_b);
    ASSERT_EQ(out.sizes(), x.sizes());
    const at::Tensor expected = LiteralMlp(x, fc_w, fc_b, proj_w, proj_b);
    const double tolerance = dtype == at::kFloat ? 1e-4 : 1e-12;
    EXPECT_TRUE(at::allclose(out, expected, tolerance, tolerance))
        << "max diff " << (out - expected).abs().max().item<double>();
  }
}

}  // namespace
}  // namespace itaclip::clip
