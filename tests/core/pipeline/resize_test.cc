#include "core/pipeline/resize.h"

#include <opencv2/core.hpp>
#include <opencv2/imgproc.hpp>

#include "gtest/gtest.h"

namespace itaclip::pipeline {
namespace {

// cv::Size is (width, height).
TEST(RescaledSizeTest, SpecExamples) {
  EXPECT_EQ(RescaledSize(cv::Size(500, 375), 336, 2048), cv::Size(448, 336));
  EXPECT_EQ(RescaledSize(cv::Size(640, 480), 448, 2048), cv::Size(597, 448));
  EXPECT_EQ(RescaledSize(cv::Size(2048, 1024), 560, 2048), cv::Size(1120, 560));
  EXPECT_EQ(RescaledSize(cv::Size(513, 513), 336, 2048), cv::Size(336, 336));
  // Portrait orientation: the short side is the width.
  EXPECT_EQ(RescaledSize(cv::Size(375, 500), 336, 2048), cv::Size(336, 448));
}

TEST(RescaledSizeTest, RoundsHalfUpInDouble) {
  // 640x480, S=448: f = 448/480 = 0.9333..., 640 f = 597.33 -> 597
  // (int(597.83)). 333x500, S=336: f = 336/333 = 1.009009..., 500 f = 504.5045
  // -> int(505.0045) = 505.
  EXPECT_EQ(RescaledSize(cv::Size(333, 500), 336, 2048), cv::Size(336, 505));
  // 3x2, S=3: f = 1.5, 3 f = 4.5 -> int(5.0) = 5 (half rounds up).
  EXPECT_EQ(RescaledSize(cv::Size(3, 2), 3, 2048), cv::Size(5, 3));
}

TEST(RescaledSizeTest, LongSideLimitWins) {
  // 4000x500, S=336: 336/500 = 0.672 would give 2688 > 2048, so f = 2048/4000 =
  // 0.512: 4000 f = 2048, 500 f = 256.
  EXPECT_EQ(RescaledSize(cv::Size(4000, 500), 336, 2048), cv::Size(2048, 256));
  // 1000x100 with limit 512, S=336: f = min(0.512, 3.36) = 0.512 -> 512 x 51
  // (51.2 + 0.5 -> 51).
  EXPECT_EQ(RescaledSize(cv::Size(1000, 100), 336, 512), cv::Size(512, 51));
}

TEST(RescaledSizeTest, NonPositiveInputsGiveEmptySize) {
  EXPECT_EQ(RescaledSize(cv::Size(0, 10), 336, 2048), cv::Size());
  EXPECT_EQ(RescaledSize(cv::Size(10, 10), 0, 2048), cv::Size());
  EXPECT_EQ(RescaledSize(cv::Size(10, 10), 336, -1), cv::Size());
}

TEST(RescaleImageTest, UsesBilinearOnUint8) {
  cv::Mat image(375, 500, CV_8UC3);
  cv::randu(image, 0, 256);
  const cv::Mat resized = RescaleImage(image, 336, 2048);
  ASSERT_EQ(resized.size(), cv::Size(448, 336));
  ASSERT_EQ(resized.type(), CV_8UC3);
  cv::Mat expected;
  cv::resize(image, expected, cv::Size(448, 336), 0, 0, cv::INTER_LINEAR);
  EXPECT_EQ(cv::norm(resized, expected, cv::NORM_INF), 0.0);
}

TEST(RescaleImageTest, ExactDoublingMatchesHalfPixelBilinear) {
  // 2x1 image [0, 200] upscaled x2 to 4x2 (S=2): half-pixel centres put the
  // output columns at source x = -0.25, 0.25, 0.75, 1.25 -> clamped 0, 0.25,
  // 0.75, 1 -> 0, 50, 150, 200.
  cv::Mat image(1, 2, CV_8UC3);
  image.at<cv::Vec3b>(0, 0) = cv::Vec3b(0, 0, 0);
  image.at<cv::Vec3b>(0, 1) = cv::Vec3b(200, 200, 200);
  const cv::Mat resized = RescaleImage(image, 2, 2048);
  ASSERT_EQ(resized.size(), cv::Size(4, 2));
  const int expected[4] = {0, 50, 150, 200};
  for (int y = 0; y < 2; ++y) {
    for (int x = 0; x < 4; ++x) {
      EXPECT_EQ(resized.at<cv::Vec3b>(y, x)[1], expected[x]) << y << "," << x;
    }
  }
}

TEST(RescaleImageTest, RejectsWrongTypeAndEmpty) {
  EXPECT_THROW(RescaleImage(cv::Mat(), 336, 2048), cv::Exception);
  EXPECT_THROW(RescaleImage(cv::Mat(4, 4, CV_32FC3, cv::Scalar(0)), 336, 2048), cv::Exception);
  EXPECT_THROW(RescaleImage(cv::Mat(4, 4, CV_8UC3, cv::Scalar(0)), 0, 2048), cv::Exception);
}

}  // namespace
}  // namespace itaclip::pipeline
