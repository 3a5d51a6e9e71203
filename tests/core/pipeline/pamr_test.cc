#include "core/pipeline/pamr.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "gtest/gtest.h"

namespace itaclip::pipeline {
namespace {

// Independent plain-loop PAMR in double, written from spec §5.3: clamped reads,
// sigma over the 9 samples of each dilated window (centre once per dilation)
// with the unbiased divisor, affinity averaged over channels, softmax over the
// neighbours, Jacobi updates.
std::vector<double> LoopPamr(const at::Tensor& guide /*[C,H,W]*/,
                             const at::Tensor& mask /*[Q,H,W]*/, int steps,
                             const std::vector<int>& dilations) {
  const int channels = static_cast<int>(guide.size(0));
  const int q_count = static_cast<int>(mask.size(0));
  const int h = static_cast<int>(guide.size(1));
  const int w = static_cast<int>(guide.size(2));
  const auto g = guide.accessor<float, 3>();
  auto at_clamped = [&](int c, int y, int x) {
    return static_cast<double>(g[c][std::clamp(y, 0, h - 1)][std::clamp(x, 0, w - 1)]);
  };
  struct Off {
    int dy, dx;
  };
  std::vector<Off> window;      // all samples for sigma
  std::vector<Off> neighbours;  // the 8 per dilation, in the spec's order
  for (int d : dilations) {
    const Off offs[9] = {{-d, -d}, {-d, 0}, {-d, d}, {0, -d}, {0, 0},
                         {0, d},   {d, -d}, {d, 0},  {d, d}};
    for (int i = 0; i < 9; ++i) {
      window.push_back(offs[i]);
      if (i != 4) neighbours.push_back(offs[i]);
    }
  }
  const size_t nn = neighbours.size();
  std::vector<double> weights(nn * h * w);
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      std::vector<double> a(nn, 0.0);
      for (int c = 0; c < channels; ++c) {
        double mean = 0;
        for (const Off& o : window) mean += at_clamped(c, y + o.dy, x + o.dx);
        mean /= window.size();
        double var = 0;
        for (const Off& o : window) {
          const double dev = at_clamped(c, y + o.dy, x + o.dx) - mean;
          var += dev * dev;
        }
        const double sigma = std::sqrt(var / (window.size() - 1));
        for (size_t j = 0; j < nn; ++j) {
          const double diff = std::abs(at_clamped(c, y, x) -
                                       at_clamped(c, y + neighbours[j].dy, x + neighbours[j].dx));
          a[j] += -diff / (1e-8 + 0.1 * sigma) / channels;
        }
      }
      const double top = *std::max_element(a.begin(), a.end());
      double z = 0;
      for (double v : a) z += std::exp(v - top);
      for (size_t j = 0; j < nn; ++j) weights[(j * h + y) * w + x] = std::exp(a[j] - top) / z;
    }
  }
  const auto m0 = mask.accessor<float, 3>();
  std::vector<double> m(static_cast<size_t>(q_count) * h * w);
  for (int q = 0; q < q_count; ++q)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x) m[(static_cast<size_t>(q) * h + y) * w + x] = m0[q][y][x];
  for (int s = 0; s < steps; ++s) {
    std::vector<double> next(m.size(), 0.0);
    for (int q = 0; q < q_count; ++q) {
      for (int y = 0; y < h; ++y) {
        for (int x = 0; x < w; ++x) {
          double sum = 0;
          for (size_t j = 0; j < nn; ++j) {
            const int yy = std::clamp(y + neighbours[j].dy, 0, h - 1);
            const int xx = std::clamp(x + neighbours[j].dx, 0, w - 1);
            sum += weights[(j * h + y) * w + x] * m[(static_cast<size_t>(q) * h + yy) * w + xx];
          }
          next[(static_cast<size_t>(q) * h + y) * w + x] = sum;
        }
      }
    }
    m = std::move(next);
  }
  return m;
}

// The Python reference's formulation: replicate-pad and dilated 3x3 conv2d with
// shift kernels, all shifted copies stacked ([B, K, P, H, W]), std over them,
// softmax, (m * w).sum(2).
at::Tensor LocalShifts(const at::Tensor& x /*[B,K,H,W]*/, const at::Tensor& kernel,
                       const std::vector<int>& dilations) {
  const int64_t b = x.size(0), k = x.size(1), h = x.size(2), w = x.size(3);
  const at::Tensor flat = x.reshape({b * k, 1, h, w});
  std::vector<at::Tensor> parts;
  for (int d : dilations) {
    const at::Tensor padded = at::replication_pad2d(flat, {d, d, d, d});
    const std::vector<int64_t> stride = {1}, padding = {0}, dilation = {d};
    parts.push_back(at::conv2d(padded, kernel, {}, stride, padding, dilation));
  }
  return at::cat(parts, 1).view({b, k, -1, h, w});
}

at::Tensor ConvReferencePamr(const at::Tensor& guide /*[1,K,H,W]*/, at::Tensor mask /*[1,C,H,W]*/,
                             int steps, const std::vector<int>& dilations) {
  const int positions[8][2] = {{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 2}, {2, 0}, {2, 1}, {2, 2}};
  at::Tensor aff = at::zeros({8, 1, 3, 3});
  at::Tensor copy = at::zeros({8, 1, 3, 3});
  for (int i = 0; i < 8; ++i) {
    aff[i][0][1][1] = 1.0f;
    aff[i][0][positions[i][0]][positions[i][1]] = -1.0f;
    copy[i][0][positions[i][0]][positions[i][1]] = 1.0f;
  }
  at::Tensor stdk = at::zeros({9, 1, 3, 3});
  for (int i = 0; i < 9; ++i) stdk[i][0][i / 3][i % 3] = 1.0f;
  const at::Tensor x_std = LocalShifts(guide, stdk, dilations).std(2, /*unbiased=*/true, true);
  at::Tensor x = -LocalShifts(guide, aff, dilations).abs() / (1e-8 + 0.1 * x_std);
  x = at::softmax(x.mean(1, true), 2);
  for (int s = 0; s < steps; ++s) mask = (LocalShifts(mask, copy, dilations) * x).sum(2);
  return mask;
}

at::Tensor Random(std::vector<int64_t> sizes, uint64_t seed) {
  at::manual_seed(seed);
  return at::randn(sizes, at::kFloat);
}

class PamrPropagationTest : public ::testing::TestWithParam<PamrPropagation> {};

TEST_P(PamrPropagationTest, ConstantMaskStaysConstant) {
  const at::Tensor guide = Random({1, 3, 17, 21}, 1);
  const at::Tensor mask = at::full({4, 17, 21}, 2.5f);
  const at::Tensor out = Pamr(guide, mask, 10, {8, 16}, GetParam());
  ASSERT_EQ(out.sizes(), mask.sizes());
  EXPECT_LT((out - 2.5f).abs().max().item<float>(), 5e-5);
}

TEST(PamrTest, WeightsAreASoftmaxOverSixteenNeighbours) {
  const at::Tensor guide = Random({3, 9, 11}, 2);
  const at::Tensor w = PamrAffinity(guide, {8, 16});
  ASSERT_EQ(w.sizes(), (at::IntArrayRef{16, 9, 11}));
  EXPECT_LT((w.sum(0) - 1).abs().max().item<float>(), 1e-5);
  EXPECT_GE(w.min().item<float>(), 0.0f);
}

TEST_P(PamrPropagationTest, MatchesPlainLoopsOnTinyImagesWithClamping) {
  // 4x5 with dilations 1 and 2: the dilation-2 windows of most pixels leave the
  // image.
  const at::Tensor guide = Random({3, 4, 5}, 3);
  const at::Tensor mask = Random({2, 4, 5}, 4);
  for (int steps : {1, 2}) {
    const at::Tensor out = Pamr(guide.unsqueeze(0), mask, steps, {1, 2}, GetParam());
    const std::vector<double> expected = LoopPamr(guide, mask, steps, {1, 2});
    const at::Tensor flat = out.contiguous().view(-1);
    ASSERT_EQ(flat.numel(), static_cast<int64_t>(expected.size()));
    for (size_t i = 0; i < expected.size(); ++i) {
      ASSERT_NEAR(flat[static_cast<int64_t>(i)].item<float>(), expected[i], 1e-5)
          << "steps " << steps << " index " << i;
    }
  }
  // Dilations larger than the image clamp every off-centre read to the border.
  const at::Tensor out = Pamr(guide, mask, 1, {8, 16}, GetParam());
  const std::vector<double> expected = LoopPamr(guide, mask, 1, {8, 16});
  const at::Tensor flat = out.contiguous().view(-1);
  for (size_t i = 0; i < expected.size(); ++i) {
    ASSERT_NEAR(flat[static_cast<int64_t>(i)].item<float>(), expected[i], 1e-5) << i;
  }
}

TEST_P(PamrPropagationTest, MatchesTheMaterialisingConvFormulation) {
  const at::Tensor guide = Random({1, 3, 20, 23}, 5);
  const at::Tensor mask = Random({6, 20, 23}, 6) * 3;
  for (const std::vector<int>& dilations : {std::vector<int>{1, 3}, std::vector<int>{8, 16}}) {
    const at::Tensor out = Pamr(guide, mask, 4, dilations, GetParam());
    const at::Tensor expected = ConvReferencePamr(guide, mask.unsqueeze(0), 4, dilations)[0];
    EXPECT_LT((out - expected).abs().max().item<float>(), 1e-5) << dilations[0];
  }
}

TEST_P(PamrPropagationTest, LargeMaskEqualsPerQueryRuns) {
  // Queries are refined independently. A 48 x 130 x 1024 mask is large enough
  // for the CPU path to work in bands of rows, while a single query is
  // processed in one piece: both must agree.
  const at::Tensor guide = Random({1, 3, 130, 1024}, 12);
  const at::Tensor mask = Random({48, 130, 1024}, 13);
  const at::Tensor out = Pamr(guide, mask, 2, {8, 16}, GetParam());
  // Up to rounding: the sparse product sums a row's 16 terms in another order for 48 columns
  // than for one (LibTorch 2's CPU kernel), a few units in the last place of the mask's range.
  const float tolerance = 1e-6f * mask.abs().max().item<float>();
  for (int64_t q : {0, 17, 47}) {
    const at::Tensor single = Pamr(guide, mask.narrow(0, q, 1), 2, {8, 16}, GetParam());
    EXPECT_LT((out[q] - single[0]).abs().max().item<float>(), tolerance) << q;
  }
}

TEST_P(PamrPropagationTest, StrongGuideEdgeKeepsRegionsApart) {
  // Left 12 columns dark, right 12 bright. The mask is 1 on the left and 0 on
  // the right. Across the edge the affinity is about -10 / (0.1 sigma) with
  // sigma <= ~5, so those weights vanish; within a side all differences are 0.
  // The regions stay apart; with a flat guide they mix.
  const int h = 16, w = 24;
  at::Tensor guide = at::zeros({1, 3, h, w});
  guide.narrow(3, 12, 12).fill_(10.0f);
  at::Tensor mask = at::zeros({1, h, w});
  mask.narrow(2, 0, 12).fill_(1.0f);
  const at::Tensor kept = Pamr(guide, mask, 10, {1, 2}, GetParam());
  EXPECT_LT((kept - mask).abs().max().item<float>(), 1e-4);
  const at::Tensor mixed = Pamr(at::zeros({1, 3, h, w}), mask, 10, {1, 2}, GetParam());
  EXPECT_GT((mixed - mask).abs().max().item<float>(), 0.2);
  // Column 11 (last dark column) next to the edge got brighter mass from the
  // right in the flat case.
  EXPECT_LT(mixed[0][8][11].item<float>(), 0.9f);
}

TEST_P(PamrPropagationTest, ZeroStepsReturnsACopy) {
  const at::Tensor mask = Random({2, 5, 6}, 7);
  const at::Tensor out = Pamr(Random({3, 5, 6}, 8), mask, 0, {8, 16}, GetParam());
  EXPECT_TRUE(at::equal(out, mask));
  EXPECT_NE(out.data_ptr(), mask.data_ptr());
}

TEST_P(PamrPropagationTest, InputsAreNotModified) {
  const at::Tensor guide = Random({1, 3, 6, 7}, 9);
  const at::Tensor mask = Random({3, 6, 7}, 10);
  const at::Tensor guide_copy = guide.clone();
  const at::Tensor mask_copy = mask.clone();
  Pamr(guide, mask, 3, {1, 2}, GetParam());
  EXPECT_TRUE(at::equal(guide, guide_copy));
  EXPECT_TRUE(at::equal(mask, mask_copy));
}

INSTANTIATE_TEST_SUITE_P(BothPropagations, PamrPropagationTest,
                         ::testing::Values(PamrPropagation::kShiftedViews,
                                           PamrPropagation::kSparseMatrix),
                         [](const ::testing::TestParamInfo<PamrPropagation>& info) {
                           return info.param == PamrPropagation::kShiftedViews ? "ShiftedViews"
                                                                               : "SparseMatrix";
                         });

TEST(PamrTest, CudaUsesTheSparseMatrixAndCpuTheShiftedViews) {
  EXPECT_EQ(DefaultPamrPropagation(c10::Device(c10::kCUDA, 0)), PamrPropagation::kSparseMatrix);
  EXPECT_EQ(DefaultPamrPropagation(c10::Device(c10::kCPU)), PamrPropagation::kShiftedViews);
}

TEST(PamrTest, PropagationMatrixIsTheReplicatePaddedStep) {
  // Expected dense matrix written entry by entry from spec §5.3: padded pixel r = (py, px)
  // replicates image pixel s = clamp(r - pad); its row holds w_j(s) at the padded position
  // s + pad + n_j of every neighbour j (in the spec's order d=1 first).
  const int h = 4, w = 5, pad = 2;
  const int hp = h + 2 * pad, wp = w + 2 * pad;
  const std::vector<int> dilations = {1, 2};
  const at::Tensor weights = PamrAffinity(Random({3, h, w}, 14), dilations);
  const at::Tensor matrix = PamrPropagationMatrix(weights, dilations);
  ASSERT_EQ(matrix.layout(), at::kSparseCsr);
  ASSERT_EQ(matrix.sizes(), (at::IntArrayRef{hp * wp, hp * wp}));
  EXPECT_EQ(matrix.crow_indices().scalar_type(), at::kInt);
  // LibTorch's CSR invariant check accepts the parts: rows sorted and distinct, sizes consistent.
  // (Called explicitly: since LibTorch 2 the constructor checks only when asked to.)
  EXPECT_NO_THROW(at::_validate_sparse_csr_tensor_args(matrix.crow_indices(), matrix.col_indices(),
                                                       matrix.values(), matrix.sizes()));
  // Control: the same check rejects a row whose first two columns are swapped.
  const at::Tensor swapped = matrix.col_indices().clone();
  swapped[0] = matrix.col_indices()[1];
  swapped[1] = matrix.col_indices()[0];
  EXPECT_THROW(at::_validate_sparse_csr_tensor_args(matrix.crow_indices(), swapped, matrix.values(),
                                                    matrix.sizes()),
               c10::Error);

  std::vector<std::pair<int, int>> neighbours;
  for (int d : dilations) {
    for (int dy : {-d, 0, d}) {
      for (int dx : {-d, 0, d}) {
        if (dy != 0 || dx != 0) neighbours.push_back({dy, dx});
      }
    }
  }
  at::Tensor expected = at::zeros({hp * wp, hp * wp});
  const auto wa = weights.accessor<float, 3>();
  auto e = expected.accessor<float, 2>();
  for (int py = 0; py < hp; ++py) {
    for (int px = 0; px < wp; ++px) {
      const int sy = std::clamp(py - pad, 0, h - 1), sx = std::clamp(px - pad, 0, w - 1);
      for (size_t j = 0; j < neighbours.size(); ++j) {
        const int column =
            (sy + pad + neighbours[j].first) * wp + (sx + pad + neighbours[j].second);
        e[py * wp + px][column] += wa[static_cast<int64_t>(j)][sy][sx];
      }
    }
  }
  EXPECT_TRUE(at::allclose(matrix.to_dense(), expected, 0, 0));
  // Each row is a softmax: it sums to 1, so constants are kept.
  EXPECT_LT((matrix.to_dense().sum(1) - 1).abs().max().item<float>(), 1e-6);
}

TEST(PamrTest, RejectsBadArguments) {
  const at::Tensor guide = at::zeros({1, 3, 6, 7});
  const at::Tensor mask = at::zeros({2, 6, 7});
  EXPECT_THROW(Pamr(guide, at::zeros({2, 6, 8}), 1, {1}), c10::Error);
  EXPECT_THROW(Pamr(guide, at::zeros({6, 7}), 1, {1}), c10::Error);
  EXPECT_THROW(Pamr(at::zeros({2, 3, 6, 7}), mask, 1, {1}), c10::Error);
  EXPECT_THROW(Pamr(guide, mask, -1, {1}), c10::Error);
  EXPECT_THROW(Pamr(guide, mask, 1, {}), c10::Error);
  EXPECT_THROW(Pamr(guide, mask, 1, {8, 0}), c10::Error);
  EXPECT_THROW(Pamr(guide, mask.to(at::kInt), 1, {1}), c10::Error);
  EXPECT_THROW(PamrPropagationMatrix(at::zeros({8, 6, 7}), {1, 2}), c10::Error);
  EXPECT_THROW(PamrPropagationMatrix(at::zeros({16, 6, 7}, at::kDouble), {1, 2}), c10::Error);
}

}  // namespace
}  // namespace itaclip::pipeline
