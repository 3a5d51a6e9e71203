#include "core/pipeline/normalize.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <opencv2/core.hpp>

#include "gtest/gtest.h"

namespace itaclip::pipeline {
namespace {

// (x - mean) / std in float32 for one RGB channel, from the spec's constants.
float Expected(int value, int rgb_channel) {
  const float mean[3] = {122.771f, 116.746f, 104.094f};
  const float std[3] = {68.501f, 66.632f, 70.323f};
  return (static_cast<float>(value) - mean[rgb_channel]) / std[rgb_channel];
}

void ExpectNormalized(const at::Tensor& t, const cv::Mat& bgr) {
  ASSERT_EQ(t.sizes(), (at::IntArrayRef{1, 3, bgr.rows, bgr.cols}));
  ASSERT_EQ(t.scalar_type(), at::kFloat);
  ASSERT_TRUE(t.is_contiguous());
  const auto a = t.accessor<float, 4>();
  for (int y = 0; y < bgr.rows; ++y) {
    for (int x = 0; x < bgr.cols; ++x) {
      const cv::Vec3b px = bgr.at<cv::Vec3b>(y, x);
      // Channel 0 of the tensor is R = BGR index 2.
      EXPECT_EQ(a[0][0][y][x], Expected(px[2], 0)) << y << "," << x;
      EXPECT_EQ(a[0][1][y][x], Expected(px[1], 1)) << y << "," << x;
      EXPECT_EQ(a[0][2][y][x], Expected(px[0], 2)) << y << "," << x;
    }
  }
}

TEST(NormalizeToTensorTest, TwoByTwoByHand) {
  cv::Mat bgr(2, 2, CV_8UC3);
  bgr.at<cv::Vec3b>(0, 0) = cv::Vec3b(10, 20, 30);  // B, G, R
  bgr.at<cv::Vec3b>(0, 1) = cv::Vec3b(0, 0, 255);
  bgr.at<cv::Vec3b>(1, 0) = cv::Vec3b(255, 128, 0);
  bgr.at<cv::Vec3b>(1, 1) = cv::Vec3b(104, 117, 123);
  const at::Tensor t = NormalizeToTensor(bgr);
  ExpectNormalized(t, bgr);
  // Spot values worked out by hand: R=255 at (0,1): (255 - 122.771) / 68.501
  // = 1.930320...
  EXPECT_NEAR(t[0][0][0][1].item<float>(), 1.9303222, 1e-6);
  // B=255 at (1,0): (255 - 104.094) / 70.323 = 2.145898...
  EXPECT_NEAR(t[0][2][1][0].item<float>(), 2.1458982, 1e-6);
  // R=0 at (1,0): -122.771 / 68.501 = -1.792252...
  EXPECT_NEAR(t[0][0][1][0].item<float>(), -1.7922512, 1e-6);
}

TEST(NormalizeToTensorTest, NonContinuousRoi) {
  cv::Mat big(5, 7, CV_8UC3);
  cv::randu(big, 0, 256);
  const cv::Mat roi = big(cv::Rect(2, 1, 3, 4));
  ASSERT_FALSE(roi.isContinuous());
  ExpectNormalized(NormalizeToTensor(roi), roi);
}

TEST(NormalizeToTensorTest, RejectsBadImages) {
  EXPECT_THROW(NormalizeToTensor(cv::Mat()), c10::Error);
  EXPECT_THROW(NormalizeToTensor(cv::Mat(2, 2, CV_8UC1, cv::Scalar(0))), c10::Error);
  EXPECT_THROW(NormalizeToTensor(cv::Mat(2, 2, CV_32FC3, cv::Scalar(0))), c10::Error);
}

}  // namespace
}  // namespace itaclip::pipeline
