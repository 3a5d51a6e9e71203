#include "core/pipeline/postprocess.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <opencv2/core.hpp>
#include <vector>

#include "gtest/gtest.h"

namespace itaclip::pipeline {
namespace {

at::Tensor FromRows(const std::vector<std::vector<std::vector<float>>>& values) {
  const int64_t n = static_cast<int64_t>(values.size());
  const int64_t h = static_cast<int64_t>(values[0].size());
  const int64_t w = static_cast<int64_t>(values[0][0].size());
  at::Tensor t = at::empty({n, h, w}, at::kFloat);
  auto a = t.accessor<float, 3>();
  for (int64_t i = 0; i < n; ++i)
    for (int64_t y = 0; y < h; ++y)
      for (int64_t x = 0; x < w; ++x) a[i][y][x] = values[i][y][x];
  return t;
}

cv::Mat LabelsU8(const std::vector<std::vector<int>>& rows) {
  cv::Mat m(static_cast<int>(rows.size()), static_cast<int>(rows[0].size()), CV_8UC1);
  for (int y = 0; y < m.rows; ++y)
    for (int x = 0; x < m.cols; ++x) m.at<uint8_t>(y, x) = static_cast<uint8_t>(rows[y][x]);
  return m;
}

// Independent closing: 3x3 max over the in-image pixels, then 3x3 min over the
// in-image pixels.
template <typename T>
cv::Mat LoopClose(const cv::Mat& in) {
  auto pass = [](const cv::Mat& src, bool take_max) {
    cv::Mat dst = src.clone();
    for (int y = 0; y < src.rows; ++y) {
      for (int x = 0; x < src.cols; ++x) {
        T best = src.at<T>(y, x);
        for (int dy = -1; dy <= 1; ++dy) {
          for (int dx = -1; dx <= 1; ++dx) {
            const int yy = y + dy, xx = x + dx;
            if (yy < 0 || xx < 0 || yy >= src.rows || xx >= src.cols) continue;
            const T v = src.at<T>(yy, xx);
            best = take_max ? std::max(best, v) : std::min(best, v);
          }
        }
        dst.at<T>(y, x) = best;
      }
    }
    return dst;
  };
  return pass(pass(in, true), false);
}

bool SameMat(const cv::Mat& a, const cv::Mat& b) {
  return a.size() == b.size() && a.type() == b.type() && cv::norm(a, b, cv::NORM_INF) == 0;
}

TEST(QuerySoftmaxTest, ScaleThenSoftmaxOverQueries) {
  // Pixel (0,0): logits (1, 2, 3) at scale 2 -> softmax(2, 4, 6). Pixel (0,1):
  // equal -> 1/3 each.
  const at::Tensor logits = FromRows({{{1, 5}}, {{2, 5}}, {{3, 5}}});
  const at::Tensor p = QuerySoftmax(logits, 2.0);
  const double z = std::exp(2.0) + std::exp(4.0) + std::exp(6.0);
  EXPECT_NEAR(p[0][0][0].item<float>(), std::exp(2.0) / z, 1e-6);
  EXPECT_NEAR(p[1][0][0].item<float>(), std::exp(4.0) / z, 1e-6);
  EXPECT_NEAR(p[2][0][0].item<float>(), std::exp(6.0) / z, 1e-6);
  for (int q = 0; q < 3; ++q) EXPECT_NEAR(p[q][0][1].item<float>(), 1.0 / 3, 1e-6);
  // Scale 1 would give a different split, so the scale is applied.
  EXPECT_GT(std::abs(QuerySoftmax(logits, 1.0)[2][0][0].item<float>() - std::exp(6.0) / z), 0.1);
}

TEST(ClassMaxOverQueriesTest, MaxNotSumOverAClassQueries) {
  // Queries 1 and 2 belong to class 1: max(0.3, 0.2) = 0.3, not 0.5.
  const at::Tensor probs =
      FromRows({{{0.1f, 0.4f}}, {{0.3f, 0.1f}}, {{0.2f, 0.2f}}, {{0.4f, 0.3f}}});
  const at::Tensor c = ClassMaxOverQueries(probs, {0, 1, 1, 2}, 3);
  ASSERT_EQ(c.sizes(), (at::IntArrayRef{3, 1, 2}));
  EXPECT_FLOAT_EQ(c[0][0][0].item<float>(), 0.1f);
  EXPECT_FLOAT_EQ(c[1][0][0].item<float>(), 0.3f);
  EXPECT_FLOAT_EQ(c[1][0][1].item<float>(), 0.2f);
  EXPECT_FLOAT_EQ(c[2][0][1].item<float>(), 0.3f);
  // Queries need not be grouped; a class without queries gets 0.
  const at::Tensor d = ClassMaxOverQueries(probs, {2, 0, 2, 0}, 5);
  EXPECT_FLOAT_EQ(d[0][0][0].item<float>(), 0.4f);
  EXPECT_FLOAT_EQ(d[2][0][0].item<float>(), 0.2f);
  EXPECT_FLOAT_EQ(d[2][0][1].item<float>(), 0.4f);
  EXPECT_EQ(d[1].abs().max().item<float>(), 0.0f);
  EXPECT_EQ(d[4].abs().max().item<float>(), 0.0f);
}

TEST(ClassMaxOverQueriesTest, MatchesPlainLoopsForMixedMappings) {
  // Runs of one-name classes, classes with several names (grouped and scattered) and classes
  // without names, checked pixel by pixel against max over the class's queries (0 if none).
  const std::vector<std::vector<int>> mappings = {
      {0, 1, 2, 3, 3, 3, 4, 5, 6, 6, 7, 8},   // class-major, as TextEmbedder builds it
      {0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 0, 4},   // extra names at the end
      {5, 4, 3, 2, 1, 0, 0, 1, 2, 3, 4, 5},   // reversed runs
      {0, 2, 4, 6, 8, 10, 1, 3, 5, 7, 9, 0},  // classes 11 and beyond have no query
  };
  at::manual_seed(21);
  const at::Tensor probs = at::rand({12, 3, 4});
  const auto p = probs.accessor<float, 3>();
  for (const std::vector<int>& mapping : mappings) {
    const int num_classes = 13;
    const at::Tensor c = ClassMaxOverQueries(probs, mapping, num_classes);
    ASSERT_EQ(c.sizes(), (at::IntArrayRef{num_classes, 3, 4}));
    for (int k = 0; k < num_classes; ++k) {
      for (int y = 0; y < 3; ++y) {
        for (int x = 0; x < 4; ++x) {
          float expected = 0.0f;
          for (size_t q = 0; q < mapping.size(); ++q) {
            if (mapping[q] == k) expected = std::max(expected, p[static_cast<int64_t>(q)][y][x]);
          }
          ASSERT_EQ(c[k][y][x].item<float>(), expected)
              << "class " << k << " mapping " << mapping[0] << mapping[1];
        }
      }
    }
  }
}

TEST(ClassMaxOverQueriesTest, IdentityWhenOneQueryPerClass) {
  const at::Tensor probs = at::rand({3, 2, 2});
  const at::Tensor c = ClassMaxOverQueries(probs, {0, 1, 2}, 3);
  EXPECT_EQ(c.data_ptr(), probs.data_ptr());
}

TEST(ClassMaxOverQueriesTest, RejectsBadMappings) {
  const at::Tensor probs = at::rand({3, 2, 2});
  EXPECT_THROW(ClassMaxOverQueries(probs, {0, 1}, 2), c10::Error);
  EXPECT_THROW(ClassMaxOverQueries(probs, {0, 1, 2}, 2), c10::Error);
  EXPECT_THROW(ClassMaxOverQueries(probs, {0, -1, 1}, 2), c10::Error);
  EXPECT_THROW(ClassMaxOverQueries(probs, {0, 0, 0}, 0), c10::Error);
}

// 4x5 = 20 pixels: class 0 wins 10, class 1 wins `n1`, class 2 wins 10 - n1.
at::Tensor AreaCase(int n1) {
  at::Tensor p = at::zeros({3, 4, 5});
  p[0].fill_(0.2f);
  for (int i = 0; i < 10; ++i) {
    const int y = 2 + i / 5, x = i % 5;
    p[i < n1 ? 1 : 2][y][x] = 0.7f;
    p[i < n1 ? 2 : 1][y][x] = 0.1f;
  }
  return p;
}

TEST(ApplyAreaThresholdTest, ExactlyTenPercentIsZeroedStrictComparison) {
  // Foreground = 10 pixels; class 2 has exactly 1 = 0.1 * 10: not > -> zeroed.
  // Class 1 (9) kept.
  at::Tensor p = AreaCase(9);
  const at::Tensor before = p.clone();
  ApplyAreaThreshold(p, 0.1);
  EXPECT_EQ(p[2].abs().max().item<float>(), 0.0f);
  EXPECT_TRUE(at::equal(p[0], before[0]));
  EXPECT_TRUE(at::equal(p[1], before[1]));
  // With 2 of 10 (20%) both are kept.
  p = AreaCase(8);
  ApplyAreaThreshold(p, 0.1);
  EXPECT_GT(p[2].max().item<float>(), 0.5f);
  EXPECT_GT(p[1].max().item<float>(), 0.5f);
  // With threshold 0.2, 2 of 10 is exactly at it and zeroed (0.2f * 10 rounds
  // to 2.0f).
  p = AreaCase(8);
  ApplyAreaThreshold(p, 0.2);
  EXPECT_EQ(p[2].abs().max().item<float>(), 0.0f);
  EXPECT_GT(p[1].max().item<float>(), 0.5f);
}

TEST(ApplyAreaThresholdTest, NothingForegroundZeroesAllForegroundClasses) {
  at::Tensor p = at::full({3, 2, 2}, 0.3f);
  p[0].fill_(0.4f);
  ApplyAreaThreshold(p, 0.1);
  EXPECT_EQ(p.narrow(0, 1, 2).abs().max().item<float>(), 0.0f);
  EXPECT_FLOAT_EQ(p[0].min().item<float>(), 0.4f);
}

TEST(ApplyAreaThresholdTest, RelativeToForegroundNotToImage) {
  // 100 pixels: class 0 wins 90, class 1 wins 8, class 2 wins 2. Relative to
  // the image class 2 has 2% (would be dropped at 10% of the image area), but
  // relative to the foreground (10) it has 20% and is kept.
  at::Tensor p = at::zeros({3, 10, 10});
  p[0].fill_(0.5f);
  p[1][9].narrow(0, 0, 8).fill_(0.9f);
  p[2][9].narrow(0, 8, 2).fill_(0.9f);
  ApplyAreaThreshold(p, 0.1);
  EXPECT_FLOAT_EQ(p[2][9][9].item<float>(), 0.9f);
  EXPECT_FLOAT_EQ(p[1][9][0].item<float>(), 0.9f);
}

TEST(ArgmaxWithProbThresholdTest, ThresholdSendsPixelsToZero) {
  // Pixel 0: (0.1, 0.2, 0.15), max 0.2 < 0.25 -> 0. Pixel 1: (0.1, 0.25, 0.2),
  // max exactly 0.25 is not below the threshold -> class 1. Pixel 2: (0.1, 0.3,
  // 0.6) -> class 2.
  const at::Tensor p =
      FromRows({{{0.1f, 0.1f, 0.1f}}, {{0.2f, 0.25f, 0.3f}}, {{0.15f, 0.2f, 0.6f}}});
  const at::Tensor labels = ArgmaxWithProbThreshold(p, 0.25);
  ASSERT_EQ(labels.sizes(), (at::IntArrayRef{1, 3}));
  ASSERT_EQ(labels.scalar_type(), at::kLong);
  EXPECT_EQ(labels[0][0].item<int64_t>(), 0);
  EXPECT_EQ(labels[0][1].item<int64_t>(), 1);
  EXPECT_EQ(labels[0][2].item<int64_t>(), 2);
  EXPECT_EQ(ArgmaxWithProbThreshold(p, 0.0)[0][0].item<int64_t>(), 1);
  EXPECT_EQ(ArgmaxWithProbThreshold(p, 0.21)[0][0].item<int64_t>(), 0);
  EXPECT_EQ(ArgmaxWithProbThreshold(p, 0.19)[0][0].item<int64_t>(), 1);
}

TEST(ArgmaxWithProbThresholdTest, TiesGoToTheLowestClass) {
  const at::Tensor p = FromRows({{{0.2f, 0.5f, 0.1f}}, {{0.4f, 0.5f, 0.3f}}, {{0.4f, 0.0f, 0.3f}}});
  const at::Tensor labels = ArgmaxWithProbThreshold(p, 0.0);
  EXPECT_EQ(labels[0][0].item<int64_t>(), 1);
  EXPECT_EQ(labels[0][1].item<int64_t>(), 0);
  EXPECT_EQ(labels[0][2].item<int64_t>(), 1);
  // Many ties, over sizes that exercise vectorised reduction paths: compare
  // with a loop.
  at::manual_seed(3);
  const at::Tensor q = at::randint(0, 3, {7, 33, 67}).to(at::kFloat) / 4;
  const at::Tensor l = ArgmaxWithProbThreshold(q, 0.0);
  const auto qa = q.accessor<float, 3>();
  const auto la = l.accessor<int64_t, 2>();
  for (int y = 0; y < 33; ++y) {
    for (int x = 0; x < 67; ++x) {
      int best = 0;
      for (int c = 1; c < 7; ++c) {
        if (qa[c][y][x] > qa[best][y][x]) best = c;
      }
      ASSERT_EQ(la[y][x], best) << y << "," << x;
    }
  }
}

TEST(CloseLabels3x3Test, HandMadeMaps) {
  // A one-pixel hole of a lower label inside a higher region is filled.
  cv::Mat hole = LabelsU8({{3, 3, 3, 3, 3}, {3, 3, 3, 3, 3}, {3, 3, 1, 3, 3}, {3, 3, 3, 3, 3}});
  EXPECT_TRUE(SameMat(CloseLabels3x3(hole), cv::Mat(4, 5, CV_8UC1, cv::Scalar(3))));
  // A one-pixel island of a higher label away from the border survives
  // unchanged (closing never lowers a label, and the erosion of its 8
  // neighbours sees a 1 two pixels away).
  const cv::Mat island = LabelsU8(
      {{1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 3, 1, 1}, {1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}});
  EXPECT_TRUE(SameMat(CloseLabels3x3(island), island));
  // A uniform map is unchanged at the border too: outside pixels are ignored,
  // not 0.
  const cv::Mat uniform(3, 4, CV_8UC1, cv::Scalar(7));
  EXPECT_TRUE(SameMat(CloseLabels3x3(uniform), uniform));
  // A lower stripe two pixels wide is filled inside the image ...
  const cv::Mat inner =
      LabelsU8({{2, 2, 2}, {2, 2, 2}, {1, 1, 1}, {1, 1, 1}, {2, 2, 2}, {2, 2, 2}});
  EXPECT_TRUE(SameMat(CloseLabels3x3(inner), cv::Mat(6, 3, CV_8UC1, cv::Scalar(2))));
  // ... but survives along the border (the dilation of row 0 only sees rows
  // 0-1).
  const cv::Mat border = LabelsU8({{1, 1, 1}, {1, 1, 1}, {2, 2, 2}, {2, 2, 2}, {2, 2, 2}});
  EXPECT_TRUE(SameMat(CloseLabels3x3(border), border));
  // A one-pixel island at the right border also claims the border pixel above
  // it: for (0,4) the dilation of every pixel of its clipped window
  // {(0,3),(0,4),(1,3),(1,4)} reaches (1,4).
  const cv::Mat corner =
      LabelsU8({{1, 1, 1, 1, 1}, {1, 1, 1, 1, 2}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}});
  const cv::Mat expected =
      LabelsU8({{1, 1, 1, 1, 2}, {1, 1, 1, 1, 2}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}});
  EXPECT_TRUE(SameMat(CloseLabels3x3(corner), expected));
}

TEST(CloseLabels3x3Test, SixteenBitLabels) {
  cv::Mat hole(4, 4, CV_16UC1, cv::Scalar(1000));
  hole.at<uint16_t>(1, 2) = 300;
  EXPECT_TRUE(SameMat(CloseLabels3x3(hole), cv::Mat(4, 4, CV_16UC1, cv::Scalar(1000))));
}

TEST(CloseLabels3x3Test, MatchesLoopClosingOnRandomMaps) {
  cv::RNG rng(12345);
  for (int trial = 0; trial < 5; ++trial) {
    cv::Mat u8(9 + trial, 11, CV_8UC1);
    rng.fill(u8, cv::RNG::UNIFORM, 0, 6);
    EXPECT_TRUE(SameMat(CloseLabels3x3(u8), LoopClose<uint8_t>(u8))) << trial;
    cv::Mat u16(7, 10 + trial, CV_16UC1);
    rng.fill(u16, cv::RNG::UNIFORM, 0, 600);
    EXPECT_TRUE(SameMat(CloseLabels3x3(u16), LoopClose<uint16_t>(u16))) << trial;
  }
  EXPECT_THROW(CloseLabels3x3(cv::Mat(3, 3, CV_32SC1, cv::Scalar(0))), cv::Exception);
  EXPECT_THROW(CloseLabels3x3(cv::Mat()), cv::Exception);
}

// Q = C = 3, 4x5, logit_scale 1. Class 1 wins rows 0-1 except (1,4), which
// class 2 wins; class 0 wins rows 2-3. Foreground = 10 pixels, class 2 has
// exactly 10% of it.
at::Tensor DesignedLogits() {
  at::Tensor l = at::zeros({3, 4, 5});
  l[1].fill_(-1.0f);
  l[2].fill_(-1.0f);
  l[1].narrow(0, 0, 2).fill_(1.0f);
  l[2][1][4] = 2.0f;
  return l;
}

TEST(PostprocessTest, DesignedCaseWithAreaThreshold) {
  PipelineParams params;
  params.logit_scale = 1.0;
  params.prob_thd = 0.0;
  params.area_thd = 0.1;
  const at::Tensor logits = DesignedLogits();
  const at::Tensor logits_copy = logits.clone();
  const PostprocessResult r = Postprocess(logits, {0, 1, 2}, 3, params, /*keep_scores=*/true);
  // Class 2 is zeroed, so (1,4) falls to class 1 (logit 1 > 0); the closing
  // keeps the bottom two-row stripe of 0 (it touches the border).
  const cv::Mat expected =
      LabelsU8({{1, 1, 1, 1, 1}, {1, 1, 1, 1, 1}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}});
  EXPECT_TRUE(SameMat(r.labels, expected));
  // Scores are taken before the thresholds: class 2 at (1,4) is softmax(0, 1,
  // 2)[2].
  ASSERT_TRUE(r.class_probs.defined());
  ASSERT_EQ(r.class_probs.sizes(), (at::IntArrayRef{3, 4, 5}));
  const double z = 1 + std::exp(1.0) + std::exp(2.0);
  EXPECT_NEAR(r.class_probs[2][1][4].item<float>(), std::exp(2.0) / z, 1e-6);
  EXPECT_TRUE(at::equal(logits, logits_copy));
}

TEST(PostprocessTest, DesignedCaseWithoutAreaThreshold) {
  PipelineParams params;
  params.logit_scale = 1.0;
  params.prob_thd = 0.0;
  params.area_thd.reset();
  const PostprocessResult r = Postprocess(DesignedLogits(), {0, 1, 2}, 3, params, false);
  // Class 2 keeps (1,4), and the closing extends it to the corner (0,4) (see
  // CloseLabels3x3Test).
  const cv::Mat expected =
      LabelsU8({{1, 1, 1, 1, 2}, {1, 1, 1, 1, 2}, {0, 0, 0, 0, 0}, {0, 0, 0, 0, 0}});
  EXPECT_TRUE(SameMat(r.labels, expected));
  EXPECT_FALSE(r.class_probs.defined());
  // prob_thd: every max probability here is below 0.9, so all pixels go to 0.
  params.prob_thd = 0.9;
  const PostprocessResult all_zero = Postprocess(DesignedLogits(), {0, 1, 2}, 3, params, false);
  EXPECT_TRUE(SameMat(all_zero.labels, cv::Mat(4, 5, CV_8UC1, cv::Scalar(0))));
}

TEST(PostprocessTest, MatchesLoopComputationOnRandomInput) {
  // Independent loop pipeline: softmax in double, per-class max, area
  // threshold, prob threshold, argmax, then the loop closing.
  const int h = 12, w = 13, q_count = 7, num_classes = 5;
  const std::vector<int> query_class = {0, 0, 1, 2, 2, 3, 4};
  PipelineParams params;  // VOC21 defaults: scale 60, area_thd 0.1
  // With 7 queries every max is >= 1/7, so VOC's 0.1 would never fire; 0.5
  // does.
  params.prob_thd = 0.5;
  at::manual_seed(17);
  const at::Tensor logits = at::randn({q_count, h, w}) * 0.05;
  const PostprocessResult r = Postprocess(logits, query_class, num_classes, params, true);

  const auto la = logits.accessor<float, 3>();
  std::vector<double> pc(static_cast<size_t>(num_classes) * h * w, 0.0);
  auto at_pc = [&](int c, int y, int x) -> double& {
    return pc[(static_cast<size_t>(c) * h + y) * w + x];
  };
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      double z = 0;
      for (int q = 0; q < q_count; ++q) z += std::exp(60.0 * la[q][y][x]);
      for (int q = 0; q < q_count; ++q) {
        double& v = at_pc(query_class[q], y, x);
        v = std::max(v, std::exp(60.0 * la[q][y][x]) / z);
      }
    }
  }
  for (int c = 0; c < num_classes; ++c)
    for (int y = 0; y < h; ++y)
      for (int x = 0; x < w; ++x)
        ASSERT_NEAR(r.class_probs[c][y][x].item<float>(), at_pc(c, y, x), 1e-5);
  auto argmax = [&](int y, int x) {
    int best = 0;
    for (int c = 1; c < num_classes; ++c)
      if (at_pc(c, y, x) > at_pc(best, y, x)) best = c;
    return best;
  };
  std::vector<int> counts(num_classes, 0);
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) ++counts[argmax(y, x)];
  int foreground = 0;
  for (int c = 1; c < num_classes; ++c) foreground += counts[c];
  for (int c = 1; c < num_classes; ++c) {
    if (!(counts[c] > 0.1 * foreground)) {
      for (int y = 0; y < h; ++y)
        for (int x = 0; x < w; ++x) at_pc(c, y, x) = 0;
    }
  }
  cv::Mat labels(h, w, CV_8UC1);
  int below_threshold = 0;
  for (int y = 0; y < h; ++y) {
    for (int x = 0; x < w; ++x) {
      const int best = argmax(y, x);
      below_threshold += at_pc(best, y, x) < 0.5;
      labels.at<uint8_t>(y, x) = at_pc(best, y, x) < 0.5 ? 0 : static_cast<uint8_t>(best);
    }
  }
  EXPECT_GT(below_threshold,
            0);  // the data exercises the probability threshold
  EXPECT_TRUE(SameMat(r.labels, LoopClose<uint8_t>(labels)));
}

TEST(PostprocessTest, ManyClassesGiveSixteenBitLabels) {
  PipelineParams params;
  params.area_thd.reset();
  params.prob_thd = 0;
  at::Tensor logits = at::zeros({300, 3, 3});
  logits[299].fill_(5.0f);
  std::vector<int> query_class(300);
  for (int q = 0; q < 300; ++q) query_class[q] = q;
  const PostprocessResult r = Postprocess(logits, query_class, 300, params, false);
  ASSERT_EQ(r.labels.type(), CV_16UC1);
  EXPECT_TRUE(SameMat(r.labels, cv::Mat(3, 3, CV_16UC1, cv::Scalar(299))));
}

}  // namespace
}  // namespace itaclip::pipeline
