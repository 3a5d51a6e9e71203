// mIoU, mAcc and aAcc of hand-computed counts: the NaN rule, dataset-level sums, merging.
#include "core/evaluation/iou_metrics.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <opencv2/core.hpp>
#include <vector>

#include "core/evaluation/intersect_and_union.h"

namespace itaclip::evaluation {
namespace {

using ::testing::DoubleEq;
using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsNan;

IouCounts CountsOf(std::vector<uint8_t> pred, std::vector<uint8_t> gt, int num_classes) {
  const cv::Mat p(1, static_cast<int>(pred.size()), CV_8UC1, pred.data());
  const cv::Mat g(1, static_cast<int>(gt.size()), CV_8UC1, gt.data());
  absl::StatusOr<IouCounts> counts = IntersectAndUnion(p, g, num_classes);
  EXPECT_TRUE(counts.ok()) << counts.status();
  return counts.ok() ? *counts : IouCounts{};
}

TEST(IouMetricsTest, WorkedThreeByThreeExample) {
  // The 3x3 case of intersect_and_union_test.cc: intersect (2, 2, 1), union (4, 4, 3),
  // label (3, 3, 2). IoU = 2/4, 2/4, 1/3 -> mIoU = (1/2 + 1/2 + 1/3) / 3 = 4/9.
  // Acc = 2/3, 2/3, 1/2 -> mAcc = (2/3 + 2/3 + 1/2) / 3 = 11/18. aAcc = 5 / 8.
  IouCounts counts = IouCounts::Zeros(3);
  counts.area_intersect = {2, 2, 1};
  counts.area_union = {4, 4, 3};
  counts.area_pred_label = {3, 3, 2};
  counts.area_label = {3, 3, 2};
  const IouMetrics m = ComputeIouMetrics(counts);
  EXPECT_THAT(m.iou, ElementsAre(DoubleEq(0.5), DoubleEq(0.5), DoubleEq(1.0 / 3)));
  EXPECT_THAT(m.accuracy, ElementsAre(DoubleEq(2.0 / 3), DoubleEq(2.0 / 3), DoubleEq(0.5)));
  EXPECT_THAT(m.mean_iou, DoubleEq(4.0 / 9));
  EXPECT_THAT(m.mean_accuracy, DoubleEq(11.0 / 18));
  EXPECT_THAT(m.all_accuracy, DoubleEq(5.0 / 8));
  EXPECT_EQ(m.iou_classes, 3);
}

TEST(IouMetricsTest, PerfectPredictionIsOne) {
  const IouMetrics m = ComputeIouMetrics(CountsOf({0, 1, 1, 2}, {0, 1, 1, 2}, 3));
  EXPECT_THAT(m.iou, ElementsAre(1.0, 1.0, 1.0));
  EXPECT_EQ(m.mean_iou, 1.0);
  EXPECT_EQ(m.mean_accuracy, 1.0);
  EXPECT_EQ(m.all_accuracy, 1.0);
}

TEST(IouMetricsTest, AllWrongIsZero) {
  // gt all 0, pred all 1: IoU0 = 0/4, IoU1 = 0/4 (predicted but absent: 0, not NaN);
  // Acc0 = 0/4, Acc1 = 0/0 = NaN, so mAcc = 0 over one class.
  const IouMetrics m = ComputeIouMetrics(CountsOf({1, 1, 1, 1}, {0, 0, 0, 0}, 2));
  EXPECT_THAT(m.iou, ElementsAre(0.0, 0.0));
  EXPECT_EQ(m.accuracy[0], 0.0);
  EXPECT_THAT(m.accuracy[1], IsNan());
  EXPECT_EQ(m.mean_iou, 0.0);
  EXPECT_EQ(m.mean_accuracy, 0.0);
  EXPECT_EQ(m.all_accuracy, 0.0);
  EXPECT_EQ(m.iou_classes, 2);
}

TEST(IouMetricsTest, ClassAbsentFromBothIsNanAndLeftOutOfTheMean) {
  // 4 classes; gt (0, 0, 1, 1), pred (0, 1, 1, 1); classes 2 and 3 appear nowhere.
  // Class 0: I 1, P 1, L 2, U 2 -> 1/2. Class 1: I 2, P 3, L 2, U 3 -> 2/3. Classes 2, 3: 0/0.
  // mIoU = (1/2 + 2/3) / 2 = 7/12 (not divided by 4). aAcc = 3/4.
  const IouMetrics m = ComputeIouMetrics(CountsOf({0, 1, 1, 1}, {0, 0, 1, 1}, 4));
  EXPECT_THAT(m.iou[0], DoubleEq(0.5));
  EXPECT_THAT(m.iou[1], DoubleEq(2.0 / 3));
  EXPECT_THAT(m.iou[2], IsNan());
  EXPECT_THAT(m.iou[3], IsNan());
  EXPECT_THAT(m.mean_iou, DoubleEq(7.0 / 12));
  EXPECT_EQ(m.iou_classes, 2);
  EXPECT_THAT(m.all_accuracy, DoubleEq(0.75));
}

TEST(IouMetricsTest, ClassPredictedButAbsentFromGroundTruthCountsAsZero) {
  // gt (0, 0), pred (0, 2) with 3 classes: class 2 has U = 1 and I = 0, so IoU 0 (not NaN) and it
  // pulls the mean down: IoU0 = 1/2, IoU1 = NaN, IoU2 = 0 -> mIoU = 1/4.
  const IouMetrics m = ComputeIouMetrics(CountsOf({0, 2}, {0, 0}, 3));
  EXPECT_THAT(m.iou[0], DoubleEq(0.5));
  EXPECT_THAT(m.iou[1], IsNan());
  EXPECT_EQ(m.iou[2], 0.0);
  EXPECT_THAT(m.accuracy[2], IsNan());
  EXPECT_THAT(m.mean_iou, DoubleEq(0.25));
}

TEST(IouMetricsTest, OnlyIgnoredPixelsGiveNan) {
  const IouMetrics m = ComputeIouMetrics(CountsOf({0, 1}, {255, 255}, 2));
  EXPECT_THAT(m.mean_iou, IsNan());
  EXPECT_THAT(m.mean_accuracy, IsNan());
  EXPECT_THAT(m.all_accuracy, IsNan());
  EXPECT_EQ(m.iou_classes, 0);
}

TEST(IouMetricsTest, SumsOverTheDatasetNotMeansOfImages) {
  // Image A: gt 0000, pred 0000 -> I0 4, P0 4, L0 4 (its own mIoU: 1, class 1 NaN).
  // Image B: gt 01, pred 11 -> I0 0, P0 0, L0 1; I1 1, P1 2, L1 1 (its own mIoU: (0 + 1/2)/2).
  // Dataset: I (4, 1), P (4, 2), L (5, 1), U (5, 2) -> IoU (4/5, 1/2), mIoU 0.65; the mean of
  // the two images' mIoU would be 0.625.
  IouCounts total = IouCounts::Zeros(2);
  ASSERT_TRUE(AddIouCounts(CountsOf({0, 0, 0, 0}, {0, 0, 0, 0}, 2), total).ok());
  ASSERT_TRUE(AddIouCounts(CountsOf({1, 1}, {0, 1}, 2), total).ok());
  EXPECT_THAT(total.area_intersect, ElementsAre(4, 1));
  EXPECT_THAT(total.area_union, ElementsAre(5, 2));
  const IouMetrics m = ComputeIouMetrics(total);
  EXPECT_THAT(m.iou, ElementsAre(DoubleEq(0.8), DoubleEq(0.5)));
  EXPECT_THAT(m.mean_iou, DoubleEq(0.65));
  EXPECT_THAT(m.all_accuracy, DoubleEq(5.0 / 6));
}

TEST(IouCountsTest, AddingIsOrderIndependentAndChecked) {
  const IouCounts a = CountsOf({0, 1, 2}, {0, 1, 1}, 3);
  const IouCounts b = CountsOf({2, 2}, {2, 255}, 3);
  IouCounts ab = IouCounts::Zeros(3), ba = IouCounts::Zeros(3);
  ASSERT_TRUE(AddIouCounts(a, ab).ok());
  ASSERT_TRUE(AddIouCounts(b, ab).ok());
  ASSERT_TRUE(AddIouCounts(b, ba).ok());
  ASSERT_TRUE(AddIouCounts(a, ba).ok());
  EXPECT_EQ(ab, ba);
  EXPECT_TRUE(ValidateIouCounts(ab).ok());

  IouCounts two = IouCounts::Zeros(2);
  EXPECT_THAT(AddIouCounts(a, two).message(), HasSubstr("cannot add counts of 3 classes"));
  EXPECT_EQ(two, IouCounts::Zeros(2));  // unchanged

  IouCounts big = IouCounts::Zeros(1);
  big.area_label = {std::numeric_limits<int64_t>::max()};
  IouCounts one = IouCounts::Zeros(1);
  one.area_label = {1};
  EXPECT_THAT(AddIouCounts(one, big).message(), HasSubstr("overflow"));
}

TEST(IouCountsTest, ValidateCatchesInconsistentCounts) {
  IouCounts counts = IouCounts::Zeros(2);
  counts.area_intersect = {1, 0};
  counts.area_pred_label = {1, 0};
  counts.area_label = {2, 0};
  counts.area_union = {2, 0};
  EXPECT_TRUE(ValidateIouCounts(counts).ok());
  counts.area_union = {3, 0};
  EXPECT_THAT(ValidateIouCounts(counts).message(), HasSubstr("class 0: union 3"));
  counts.area_union = {2, 0};
  counts.area_intersect = {2, 0};
  counts.area_union = {1, 0};
  EXPECT_THAT(ValidateIouCounts(counts).message(), HasSubstr("class 0: intersection 2 exceeds"));
  counts = IouCounts::Zeros(2);
  counts.area_label = {0, -1};
  EXPECT_THAT(ValidateIouCounts(counts).message(), HasSubstr("negative"));
  counts = IouCounts::Zeros(2);
  counts.area_label.push_back(0);
  EXPECT_THAT(ValidateIouCounts(counts).message(), HasSubstr("different lengths"));
}

}  // namespace
}  // namespace itaclip::evaluation
