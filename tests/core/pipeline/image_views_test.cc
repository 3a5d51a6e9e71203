#include "core/pipeline/image_views.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <cmath>
#include <vector>

#include "gtest/gtest.h"

namespace itaclip::pipeline {
namespace {

// Taps listed in spec §5.2 step 3 (i = -5..0; the rest mirrored).
constexpr double kSpecTaps[6] = {0.06634167, 0.07942539, 0.09136095,
                                 0.10096946, 0.10721307, 0.10937892};

double SpecTap(int i) { return kSpecTaps[5 - std::abs(i - 5)]; }  // i = 0..10

// BORDER_REFLECT_101 index: -k -> k, n-1+k -> n-1-k.
int Reflect101(int i, int n) {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

at::Tensor RandomCrops(int64_t n, int64_t h, int64_t w, uint64_t seed) {
  at::manual_seed(seed);
  return at::randn({n, 3, h, w}, at::kFloat);
}

TEST(GaussianTapsTest, MatchSpecValues) {
  const at::Tensor taps = GaussianTaps(11, 5.0);
  ASSERT_EQ(taps.numel(), 11);
  ASSERT_EQ(taps.scalar_type(), at::kFloat);
  double norm = 0;
  for (int k = -5; k <= 5; ++k) norm += std::exp(-0.5 * (k / 5.0) * (k / 5.0));
  double sum = 0;
  for (int i = 0; i < 11; ++i) {
    EXPECT_NEAR(taps[i].item<float>(), SpecTap(i), 1e-7) << i;
    // And from the formula, in double.
    EXPECT_NEAR(taps[i].item<float>(), std::exp(-0.5 * ((i - 5) / 5.0) * ((i - 5) / 5.0)) / norm,
                1e-7);
    sum += taps[i].item<float>();
  }
  EXPECT_NEAR(sum, 1.0, 1e-6);
  EXPECT_THROW(GaussianTaps(10, 5.0), c10::Error);
  EXPECT_THROW(GaussianTaps(11, 0.0), c10::Error);
}

TEST(BlurViewTest, ConstantStaysConstant) {
  const at::Tensor crops = at::full({2, 3, 9, 12}, -1.25f);
  const at::Tensor blurred = BlurView(crops);
  ASSERT_EQ(blurred.sizes(), crops.sizes());
  EXPECT_LT((blurred + 1.25f).abs().max().item<float>(), 1e-6);
}

TEST(BlurViewTest, InteriorImpulseGivesOuterProductOfTaps) {
  at::Tensor crops = at::zeros({1, 3, 31, 29});
  crops[0][1][15][14] = 1.0f;
  const at::Tensor blurred = BlurView(crops);
  const auto a = blurred.accessor<float, 4>();
  for (int c = 0; c < 3; ++c) {
    for (int y = 0; y < 31; ++y) {
      for (int x = 0; x < 29; ++x) {
        const int dy = y - 15;
        const int dx = x - 14;
        const double expected = (c == 1 && std::abs(dy) <= 5 && std::abs(dx) <= 5)
                                    ? SpecTap(dy + 5) * SpecTap(dx + 5)
                                    : 0.0;
        ASSERT_NEAR(a[0][c][y][x], expected, 1e-8) << c << " " << y << " " << x;
      }
    }
  }
}

TEST(BlurViewTest, ReflectBorderByHand) {
  // Rows are constant along y, so only the horizontal pass matters. With
  // reflect-101, position -k reads column k. For an impulse at column 1, output
  // column x sums the taps at the positions p in [x-5, x+5] with p = 1 (tap
  // index 6-x) or p = -1 (tap index 4-x):
  //   x=0: t(6) + t(4) = 2 * 0.10721307       (a symmetric reflect would give
  //   t(6) + t(3)) x=1: t(5) + t(3) = 0.10937892 + 0.10096946 x=2: t(4) + t(2)
  //   = 0.10721307 + 0.09136095 x=6: t(0) = 0.06634167, x=7: 0.
  at::Tensor crops = at::zeros({1, 3, 8, 14});
  crops.select(3, 1).fill_(1.0f);
  at::Tensor blurred = BlurView(crops);
  EXPECT_NEAR(blurred[0][0][3][0].item<float>(), 2 * 0.10721307, 2e-7);
  EXPECT_NEAR(blurred[0][0][3][1].item<float>(), 0.10937892 + 0.10096946, 2e-7);
  EXPECT_NEAR(blurred[0][0][3][2].item<float>(), 0.10721307 + 0.09136095, 2e-7);
  EXPECT_NEAR(blurred[0][2][0][6].item<float>(), 0.06634167, 2e-7);
  EXPECT_NEAR(blurred[0][2][7][7].item<float>(), 0.0, 1e-9);

  // An impulse at column 0 is only read at p = 0: column x gets t(5 - x).
  crops.zero_();
  crops.select(3, 0).fill_(1.0f);
  blurred = BlurView(crops);
  EXPECT_NEAR(blurred[0][1][5][0].item<float>(), 0.10937892, 2e-7);
  EXPECT_NEAR(blurred[0][1][5][1].item<float>(), 0.10721307, 2e-7);
  EXPECT_NEAR(blurred[0][1][5][5].item<float>(), 0.06634167, 2e-7);
  EXPECT_NEAR(blurred[0][1][5][6].item<float>(), 0.0, 1e-9);
}

TEST(BlurViewTest, MatchesDirectTwoDimensionalReflectConvolution) {
  // torchvision's definition: reflect-pad by 5, then a 2-D correlation with the
  // outer product of the taps, per channel. Written out with loops, in double,
  // on a crop small enough that the reflection reaches across the whole image.
  const int n = 2, h = 8, w = 13;
  const at::Tensor crops = RandomCrops(n, h, w, 7);
  const at::Tensor blurred = BlurView(crops);
  const auto in = crops.accessor<float, 4>();
  const auto out = blurred.accessor<float, 4>();
  for (int b = 0; b < n; ++b) {
    for (int c = 0; c < 3; ++c) {
      for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
          double expected = 0;
          for (int i = 0; i < 11; ++i) {
            for (int j = 0; j < 11; ++j) {
              expected += SpecTap(i) * SpecTap(j) *
                          in[b][c][Reflect101(y + i - 5, h)][Reflect101(x + j - 5, w)];
            }
          }
          ASSERT_NEAR(out[b][c][y][x], expected, 1e-6) << b << c << " " << y << " " << x;
        }
      }
    }
  }
}

TEST(BlurViewTest, RejectsTooSmallCrops) {
  EXPECT_THROW(BlurView(at::zeros({1, 3, 5, 20})), c10::Error);
  EXPECT_THROW(BlurView(at::zeros({1, 3, 20, 5})), c10::Error);
  EXPECT_NO_THROW(BlurView(at::zeros({1, 3, 6, 6})));
}

TEST(GrayscaleViewTest, WeightsOfTheNormalisedChannels) {
  at::Tensor crops = at::zeros({3, 3, 2, 2});
  crops[0][0].fill_(1.0f);   // pure R
  crops[1][1].fill_(1.0f);   // pure G
  crops[2][2].fill_(-2.0f);  // negative B (normalised values can be negative)
  const at::Tensor gray = GrayscaleView(crops);
  ASSERT_EQ(gray.sizes(), crops.sizes());
  for (int c = 0; c < 3; ++c) {
    EXPECT_FLOAT_EQ(gray[0][c][1][0].item<float>(), 0.2989f);
    EXPECT_FLOAT_EQ(gray[1][c][0][1].item<float>(), 0.587f);
    EXPECT_FLOAT_EQ(gray[2][c][1][1].item<float>(), -0.228f);
  }
  const at::Tensor random = RandomCrops(2, 4, 5, 3);
  const at::Tensor g = GrayscaleView(random);
  const auto in = random.accessor<float, 4>();
  const auto out = g.accessor<float, 4>();
  for (int b = 0; b < 2; ++b) {
    for (int y = 0; y < 4; ++y) {
      for (int x = 0; x < 5; ++x) {
        const double expected =
            0.2989 * in[b][0][y][x] + 0.587 * in[b][1][y][x] + 0.114 * in[b][2][y][x];
        for (int c = 0; c < 3; ++c) ASSERT_NEAR(out[b][c][y][x], expected, 1e-6);
      }
    }
  }
}

TEST(FlipTest, ReverseRowsOrColumnsAndAreInvolutions) {
  const at::Tensor crops = RandomCrops(2, 4, 6, 11);
  const at::Tensor rows = FlipRows(crops);
  const at::Tensor cols = FlipColumns(crops);
  const auto in = crops.accessor<float, 4>();
  const auto r = rows.accessor<float, 4>();
  const auto c = cols.accessor<float, 4>();
  for (int b = 0; b < 2; ++b) {
    for (int ch = 0; ch < 3; ++ch) {
      for (int y = 0; y < 4; ++y) {
        for (int x = 0; x < 6; ++x) {
          ASSERT_EQ(r[b][ch][y][x], in[b][ch][3 - y][x]);
          ASSERT_EQ(c[b][ch][y][x], in[b][ch][y][5 - x]);
        }
      }
    }
  }
  EXPECT_TRUE(at::equal(FlipRows(rows), crops));
  EXPECT_TRUE(at::equal(FlipColumns(cols), crops));
}

TEST(MakeFiveViewsTest, ViewMajorOrder) {
  const int64_t n = 2;
  const at::Tensor crops = RandomCrops(n, 7, 9, 5);
  const at::Tensor views = MakeFiveViews(crops);
  ASSERT_EQ(views.sizes(), (at::IntArrayRef{5 * n, 3, 7, 9}));
  const at::Tensor expected[5] = {crops, GrayscaleView(crops), BlurView(crops), FlipRows(crops),
                                  FlipColumns(crops)};
  for (int v = 0; v < kNumViews; ++v) {
    for (int64_t i = 0; i < n; ++i) {
      EXPECT_TRUE(at::equal(views[v * n + i], expected[v][i])) << "view " << v << " crop " << i;
    }
  }
  EXPECT_EQ(kViewGray, 1);
  EXPECT_EQ(kViewFlipColumns, 4);
  // The views of one crop do not depend on the other crops of the batch.
  EXPECT_TRUE(at::allclose(MakeFiveViews(crops.narrow(0, 1, 1))[2], views[2 * n + 1], 0, 0));
}

TEST(MakeFiveViewsTest, RejectsBadShapes) {
  EXPECT_THROW(MakeFiveViews(at::zeros({3, 8, 8})), c10::Error);
  EXPECT_THROW(MakeFiveViews(at::zeros({1, 4, 8, 8})), c10::Error);
  EXPECT_THROW(MakeFiveViews(at::zeros({1, 3, 8, 8}, at::kInt)), c10::Error);
  EXPECT_THROW(GrayscaleView(at::Tensor()), c10::Error);
}

}  // namespace
}  // namespace itaclip::pipeline
