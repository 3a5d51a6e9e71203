// Decoding the answer's label map and scores: byte layouts worked out by hand from the proto's
// format description (row-major, little-endian) and IEEE 754 binary16.
#include <ATen/core/Tensor.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "client/output/decode_label_map.h"
#include "client/output/decode_scores.h"

namespace itaclip::client {
namespace {

using ::testing::HasSubstr;

v1::LabelMap RawLabels(int width, int height, int bits, const std::string& data) {
  v1::LabelMap labels;
  labels.set_width(width);
  labels.set_height(height);
  labels.set_format(v1::LABEL_FORMAT_RAW);
  labels.set_bits_per_pixel(bits);
  labels.set_data(data);
  return labels;
}

TEST(DecodeLabelMapTest, Raw8BitIsRowMajor) {
  absl::StatusOr<cv::Mat> labels = DecodeLabelMap(RawLabels(3, 2, 8, {0, 1, 2, 3, 4, 5}));
  ASSERT_TRUE(labels.ok()) << labels.status();
  ASSERT_EQ(labels->type(), CV_8UC1);
  ASSERT_EQ(labels->cols, 3);
  ASSERT_EQ(labels->rows, 2);
  EXPECT_EQ(labels->at<uint8_t>(0, 2), 2);
  EXPECT_EQ(labels->at<uint8_t>(1, 0), 3);
  EXPECT_EQ(labels->at<uint8_t>(1, 2), 5);
}

TEST(DecodeLabelMapTest, Raw16BitIsLittleEndian) {
  // Pixels (x=0, y=0) = 0x0201 = 513, (1, 0) = 0x0003 = 3, (0, 1) = 0x0100 = 256, (1, 1) = 0xFFFF.
  const std::string data = {1, 2, 3, 0, 0, 1, '\xff', '\xff'};
  absl::StatusOr<cv::Mat> labels = DecodeLabelMap(RawLabels(2, 2, 16, data));
  ASSERT_TRUE(labels.ok()) << labels.status();
  ASSERT_EQ(labels->type(), CV_16UC1);
  EXPECT_EQ(labels->at<uint16_t>(0, 0), 513);
  EXPECT_EQ(labels->at<uint16_t>(0, 1), 3);
  EXPECT_EQ(labels->at<uint16_t>(1, 0), 256);
  EXPECT_EQ(labels->at<uint16_t>(1, 1), 65535);
}

TEST(DecodeLabelMapTest, RawSizeMustMatch) {
  const absl::Status status = DecodeLabelMap(RawLabels(2, 2, 16, {1, 2, 3})).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("holds 3 bytes, not 8"));
}

TEST(DecodeLabelMapTest, BadHeaderFields) {
  EXPECT_THAT(DecodeLabelMap(RawLabels(0, 2, 8, "")).status().message(), HasSubstr("0x2 pixels"));
  EXPECT_THAT(DecodeLabelMap(RawLabels(1, 1, 12, "ab")).status().message(),
              HasSubstr("12 bits per pixel"));
}

TEST(DecodeLabelMapTest, PngOfTheStatedSizeAndDepth) {
  cv::Mat expected(2, 3, CV_16UC1);
  for (int i = 0; i < 6; ++i) expected.at<uint16_t>(i / 3, i % 3) = static_cast<uint16_t>(300 * i);
  std::vector<uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", expected, png));
  v1::LabelMap labels;
  labels.set_width(3);
  labels.set_height(2);
  labels.set_format(v1::LABEL_FORMAT_PNG);
  labels.set_bits_per_pixel(16);
  labels.set_data(std::string(png.begin(), png.end()));
  absl::StatusOr<cv::Mat> decoded = DecodeLabelMap(labels);
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  ASSERT_EQ(decoded->type(), CV_16UC1);
  EXPECT_EQ(cv::countNonZero(*decoded != expected), 0);

  labels.set_bits_per_pixel(8);  // the PNG is 16-bit
  EXPECT_THAT(DecodeLabelMap(labels).status().message(), HasSubstr("not 3x2 with 1 channel of 8"));
  labels.set_bits_per_pixel(16);
  labels.set_width(4);
  EXPECT_THAT(DecodeLabelMap(labels).status().message(), HasSubstr("is 3x2"));
}

TEST(DecodeLabelMapTest, GarbagePngIsAnError) {
  v1::LabelMap labels = RawLabels(1, 1, 8, "not a png");
  labels.set_format(v1::LABEL_FORMAT_PNG);
  EXPECT_THAT(DecodeLabelMap(labels).status().message(), HasSubstr("not a PNG"));
}

TEST(CheckLabelsBelowTest, LabelBeyondTheClassNames) {
  const cv::Mat labels = (cv::Mat_<uint8_t>(1, 3) << 0, 2, 1);
  EXPECT_TRUE(CheckLabelsBelow(labels, 3).ok());
  const absl::Status status = CheckLabelsBelow(labels, 2);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("label 2 but names only 2 classes"));
}

TEST(HalfToFloatTest, KnownBitPatterns) {
  EXPECT_EQ(HalfToFloat(0x3C00), 1.0f);
  EXPECT_EQ(HalfToFloat(0xC000), -2.0f);
  EXPECT_EQ(HalfToFloat(0x3800), 0.5f);
  // 0x3555: exponent 13, mantissa 341: (1 + 341/1024) · 2^-2 = 1365/4096, the half nearest 1/3.
  EXPECT_EQ(HalfToFloat(0x3555), 1365.0f / 4096.0f);
  EXPECT_EQ(HalfToFloat(0x7BFF), 65504.0f);                  // largest finite half
  EXPECT_EQ(HalfToFloat(0x0400), std::ldexp(1.0f, -14));     // smallest normal
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));     // smallest subnormal
  EXPECT_EQ(HalfToFloat(0x03FF), std::ldexp(1023.0f, -24));  // largest subnormal
  EXPECT_EQ(HalfToFloat(0x0000), 0.0f);
  EXPECT_TRUE(std::signbit(HalfToFloat(0x8000)));
  EXPECT_EQ(HalfToFloat(0x7C00), INFINITY);
  EXPECT_EQ(HalfToFloat(0xFC00), -INFINITY);
  EXPECT_TRUE(std::isnan(HalfToFloat(0x7E00)));
}

v1::ClassScores Scores(v1::ScoreFormat format, int classes, int height, int width,
                       const std::string& data) {
  v1::ClassScores scores;
  scores.set_format(format);
  scores.set_num_classes(classes);
  scores.set_height(height);
  scores.set_width(width);
  scores.set_data(data);
  return scores;
}

TEST(DecodeClassScoresTest, Float16LittleEndian) {
  // [2, 1, 2]: 1.0 (0x3C00), 0.5 (0x3800), 0.25 (0x3400), 0 — each as low byte then high byte.
  const std::string data = {0x00, 0x3C, 0x00, 0x38, 0x00, 0x34, 0x00, 0x00};
  absl::StatusOr<at::Tensor> tensor =
      DecodeClassScores(Scores(v1::SCORE_FORMAT_FLOAT16, 2, 1, 2, data));
  ASSERT_TRUE(tensor.ok()) << tensor.status();
  ASSERT_EQ(tensor->dim(), 3);
  EXPECT_EQ(tensor->size(0), 2);
  EXPECT_EQ(tensor->size(1), 1);
  EXPECT_EQ(tensor->size(2), 2);
  const float* values = tensor->data_ptr<float>();
  EXPECT_EQ(values[0], 1.0f);
  EXPECT_EQ(values[1], 0.5f);
  EXPECT_EQ(values[2], 0.25f);
  EXPECT_EQ(values[3], 0.0f);
}

TEST(DecodeClassScoresTest, Float32LittleEndian) {
  // 1.5f = 0x3FC00000; 0.1f = 0x3DCCCCCD.
  const std::string data = {0x00, 0x00, '\xc0', 0x3f, '\xcd', '\xcc', '\xcc', 0x3d};
  absl::StatusOr<at::Tensor> tensor =
      DecodeClassScores(Scores(v1::SCORE_FORMAT_FLOAT32, 1, 2, 1, data));
  ASSERT_TRUE(tensor.ok()) << tensor.status();
  EXPECT_EQ(tensor->data_ptr<float>()[0], 1.5f);
  EXPECT_EQ(tensor->data_ptr<float>()[1], 0.1f);
}

TEST(DecodeClassScoresTest, MalformedScores) {
  EXPECT_THAT(
      DecodeClassScores(Scores(v1::SCORE_FORMAT_FLOAT16, 2, 1, 2, "abc")).status().message(),
      HasSubstr("hold 3 bytes, not 2x1x2 values of 2 bytes"));
  EXPECT_THAT(DecodeClassScores(Scores(v1::SCORE_FORMAT_NONE, 1, 1, 1, "abcd")).status().message(),
              HasSubstr("no usable format"));
  EXPECT_THAT(DecodeClassScores(Scores(v1::SCORE_FORMAT_FLOAT32, 0, 1, 1, "")).status().message(),
              HasSubstr("0x1x1"));
  // Dimensions whose product would overflow are a size mismatch, not a crash.
  EXPECT_EQ(DecodeClassScores(
                Scores(v1::SCORE_FORMAT_FLOAT32, 2000000000, 2000000000, 2000000000, "abcd"))
                .status()
                .code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace itaclip::client
