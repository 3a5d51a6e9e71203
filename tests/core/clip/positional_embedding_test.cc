#include "core/clip/positional_embedding.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <cmath>

#include "gtest/gtest.h"

namespace itaclip::clip {
namespace {

// Cubic convolution kernel with A = -0.75 (Keys), as PyTorch's bicubic uses.
double Cubic(double x) {
  constexpr double a = -0.75;
  x = std::abs(x);
  if (x <= 1) return ((a + 2) * x - (a + 3)) * x * x + 1;
  if (x < 2) return ((a * x - 5 * a) * x + 8 * a) * x - 4 * a;
  return 0;
}

// Spec §1.4 by hand: output index i samples source (i + 0.5)·G/(n + 0.1) − 0.5, taps floor−1..+2
// clamped to [0, G−1].
double Interpolate1dWeight(int64_t out_index, int64_t n, int64_t grid, int64_t src_index) {
  const double src = (out_index + 0.5) * grid / (n + 0.1) - 0.5;
  const int64_t base = static_cast<int64_t>(std::floor(src));
  const double t = src - base;
  double w = 0;
  for (int64_t tap = -1; tap <= 2; ++tap) {
    const int64_t idx = std::clamp<int64_t>(base + tap, 0, grid - 1);
    if (idx == src_index) w += Cubic(t - tap);
  }
  return w;
}

TEST(PositionalEmbeddingTest, UnchangedWhenTheGridMatches) {
  at::Tensor pos = at::randn({1 + 16, 5});
  EXPECT_TRUE(at::equal(InterpolatePositionalEmbedding(pos, 4, 4), pos));
}

TEST(PositionalEmbeddingTest, BicubicWithTheScaleFactorRuleMatchesAHandDerivation) {
  const int64_t grid = 4, rows = 2, cols = 3, width = 3;
  at::Tensor pos = at::randn({1 + grid * grid, width}, at::kDouble).to(at::kFloat);
  at::Tensor out = InterpolatePositionalEmbedding(pos, rows, cols);
  ASSERT_EQ(out.sizes(), (std::vector<int64_t>{1 + rows * cols, width}));
  EXPECT_TRUE(at::equal(out[0], pos[0]));  // CLS row unchanged
  auto p = pos.accessor<float, 2>();
  for (int64_t i = 0; i < rows; ++i) {
    for (int64_t j = 0; j < cols; ++j) {
      for (int64_t ch = 0; ch < width; ++ch) {
        double expected = 0;
        for (int64_t sr = 0; sr < grid; ++sr) {
          for (int64_t sc = 0; sc < grid; ++sc) {
            expected += Interpolate1dWeight(i, rows, grid, sr) *
                        Interpolate1dWeight(j, cols, grid, sc) * p[1 + sr * grid + sc][ch];
          }
        }
        EXPECT_NEAR(out[1 + i * cols + j][ch].item<double>(), expected, 1e-5)
            << "row " << i << " col " << j << " channel " << ch;
      }
    }
  }
}

TEST(PositionalEmbeddingTest, TheScaleFactorStepDiffersFromTheSizeStep) {
  // With a size-based step G/n the first sample would sit at 0.5·4/2 − 0.5 = 0.5; the spec's
  // G/(n + 0.1) puts it at 0.5·4/2.1 − 0.5 ≈ 0.452. A linear ramp tells them apart.
  const int64_t grid = 4;
  at::Tensor pos = at::zeros({1 + grid * grid, 1});
  for (int64_t r = 0; r < grid; ++r) {
    for (int64_t c = 0; c < grid; ++c) pos[1 + r * grid + c][0] = static_cast<float>(c);
  }
  at::Tensor out = InterpolatePositionalEmbedding(pos, 2, 2);
  // Away from the border, cubic convolution reproduces a linear ramp exactly; at x≈0.452 the
  // clamped tap at index −1 bends it slightly, so compare with the hand-derived weights instead.
  double expected = 0;
  for (int64_t sc = 0; sc < grid; ++sc) expected += Interpolate1dWeight(0, 2, grid, sc) * sc;
  EXPECT_NEAR(out[1][0].item<double>(), expected, 1e-6);
  double size_based = 0;
  for (int64_t sc = 0; sc < grid; ++sc) {
    const double src = 0.5 * grid / 2 - 0.5;
    const int64_t base = static_cast<int64_t>(std::floor(src));
    for (int64_t tap = -1; tap <= 2; ++tap) {
      if (std::clamp<int64_t>(base + tap, 0, grid - 1) == sc)
        size_based += Cubic(src - base - tap) * sc;
    }
  }
  EXPECT_GT(std::abs(out[1][0].item<double>() - size_based), 1e-3);
}

}  // namespace
}  // namespace itaclip::clip
