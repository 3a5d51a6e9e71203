// IntersectAndUnion and ReduceZeroLabel on small maps whose counts are worked out by hand.
#include "core/evaluation/intersect_and_union.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <opencv2/core.hpp>
#include <vector>

namespace itaclip::evaluation {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

cv::Mat Map8(int rows, int cols, std::vector<uint8_t> values) {
  return cv::Mat(rows, cols, CV_8UC1, values.data()).clone();
}

TEST(IntersectAndUnionTest, WorkedThreeByThreeExample) {
  // gt        pred       (255 = ignored; its predicted 0 must not count anywhere)
  // 0 0 1     0 1 1
  // 0 1 1     0 1 2
  // 2 2 255   2 0 0
  // The 8 counted (gt, pred) pairs: (0,0) (0,1) (1,1) (0,0) (1,1) (1,2) (2,2) (2,0).
  // label: c0 = 3, c1 = 3, c2 = 2.   pred: c0 = 3 (two (0,0) and (2,0)), c1 = 3, c2 = 2.
  // intersect: c0 = 2, c1 = 2, c2 = 1.   union = pred + label - intersect: 4, 4, 3.
  const cv::Mat gt = Map8(3, 3, {0, 0, 1, 0, 1, 1, 2, 2, 255});
  const cv::Mat pred = Map8(3, 3, {0, 1, 1, 0, 1, 2, 2, 0, 0});
  absl::StatusOr<IouCounts> counts = IntersectAndUnion(pred, gt, 3);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_THAT(counts->area_intersect, ElementsAre(2, 2, 1));
  EXPECT_THAT(counts->area_pred_label, ElementsAre(3, 3, 2));
  EXPECT_THAT(counts->area_label, ElementsAre(3, 3, 2));
  EXPECT_THAT(counts->area_union, ElementsAre(4, 4, 3));
  EXPECT_TRUE(ValidateIouCounts(*counts).ok());
}

TEST(IntersectAndUnionTest, PerfectPrediction) {
  const cv::Mat gt = Map8(2, 3, {0, 1, 1, 2, 2, 2});
  absl::StatusOr<IouCounts> counts = IntersectAndUnion(gt, gt, 3);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_THAT(counts->area_intersect, ElementsAre(1, 2, 3));
  EXPECT_EQ(counts->area_union, counts->area_intersect);
  EXPECT_EQ(counts->area_pred_label, counts->area_intersect);
  EXPECT_EQ(counts->area_label, counts->area_intersect);
}

TEST(IntersectAndUnionTest, AllWrong) {
  const cv::Mat gt = Map8(2, 2, {0, 0, 0, 0});
  const cv::Mat pred = Map8(2, 2, {1, 1, 1, 1});
  absl::StatusOr<IouCounts> counts = IntersectAndUnion(pred, gt, 2);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_THAT(counts->area_intersect, ElementsAre(0, 0));
  EXPECT_THAT(counts->area_pred_label, ElementsAre(0, 4));
  EXPECT_THAT(counts->area_label, ElementsAre(4, 0));
  EXPECT_THAT(counts->area_union, ElementsAre(4, 4));
}

TEST(IntersectAndUnionTest, IgnoredPixelsCountNowhere) {
  // Every ground-truth pixel is 255: whatever is predicted there, nothing is counted.
  const cv::Mat gt = Map8(1, 3, {255, 255, 255});
  const cv::Mat pred = Map8(1, 3, {0, 1, 2});
  absl::StatusOr<IouCounts> counts = IntersectAndUnion(pred, gt, 3);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(*counts, IouCounts::Zeros(3));
}

TEST(IntersectAndUnionTest, WithoutIgnoreLabel255IsAClass) {
  const cv::Mat gt = Map8(1, 2, {255, 3});
  const cv::Mat pred = Map8(1, 2, {255, 255});
  absl::StatusOr<IouCounts> counts = IntersectAndUnion(pred, gt, 256, std::nullopt);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->area_intersect[255], 1);
  EXPECT_EQ(counts->area_pred_label[255], 2);
  EXPECT_EQ(counts->area_label[255], 1);
  EXPECT_EQ(counts->area_label[3], 1);
  EXPECT_EQ(counts->area_union[3], 1);
}

TEST(IntersectAndUnionTest, SixteenBitPredictionAgainstEightBitGroundTruth) {
  // 300 classes: the prediction is 16-bit (as the pipeline gives beyond 256 classes).
  cv::Mat pred(1, 3, CV_16UC1);
  pred.at<uint16_t>(0, 0) = 299;
  pred.at<uint16_t>(0, 1) = 7;
  pred.at<uint16_t>(0, 2) = 7;
  const cv::Mat gt = Map8(1, 3, {7, 7, 255});
  absl::StatusOr<IouCounts> counts = IntersectAndUnion(pred, gt, 300);
  ASSERT_TRUE(counts.ok()) << counts.status();
  EXPECT_EQ(counts->area_pred_label[299], 1);
  EXPECT_EQ(counts->area_pred_label[7], 1);  // the third pixel is ignored
  EXPECT_EQ(counts->area_intersect[7], 1);
  EXPECT_EQ(counts->area_label[7], 2);
  EXPECT_EQ(counts->area_union[7], 2);
}

TEST(IntersectAndUnionTest, RefusesWhatDoesNotFit) {
  const cv::Mat gt = Map8(1, 2, {0, 1});
  EXPECT_THAT(IntersectAndUnion(Map8(2, 1, {0, 1}), gt, 2).status().message(),
              HasSubstr("the prediction is 1x2 but the ground truth is 2x1"));
  EXPECT_THAT(IntersectAndUnion(Map8(1, 2, {0, 5}), gt, 2).status().message(),
              HasSubstr("the prediction has label 5 at x=1 y=0"));
  EXPECT_THAT(IntersectAndUnion(gt, Map8(1, 2, {0, 21}), 2).status().message(),
              HasSubstr("the ground truth has label 21 at x=1 y=0"));
  EXPECT_THAT(IntersectAndUnion(gt, gt, 0).status().message(), HasSubstr("at least 1"));
  EXPECT_THAT(IntersectAndUnion(cv::Mat(), gt, 2).status().message(), HasSubstr("empty"));
  EXPECT_THAT(IntersectAndUnion(cv::Mat(1, 2, CV_8UC3, cv::Scalar(0)), gt, 2).status().message(),
              HasSubstr("single-channel"));
  EXPECT_THAT(IntersectAndUnion(gt, cv::Mat(1, 2, CV_32FC1, cv::Scalar(0)), 2).status().message(),
              HasSubstr("ground truth map must be single-channel"));
  EXPECT_EQ(IntersectAndUnion(gt, gt, 1).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(ReduceZeroLabelTest, ShiftsLabelsAndIgnoresZero) {
  // mmseg: 0 -> 255 (ignored), l -> l - 1, 255 stays 255.
  absl::StatusOr<cv::Mat> reduced = ReduceZeroLabel(Map8(1, 5, {0, 1, 2, 21, 255}));
  ASSERT_TRUE(reduced.ok()) << reduced.status();
  EXPECT_THAT(std::vector<uint8_t>(reduced->begin<uint8_t>(), reduced->end<uint8_t>()),
              ElementsAre(255, 0, 1, 20, 255));
  EXPECT_FALSE(ReduceZeroLabel(cv::Mat(1, 1, CV_16UC1, cv::Scalar(1))).ok());
}

}  // namespace
}  // namespace itaclip::evaluation
