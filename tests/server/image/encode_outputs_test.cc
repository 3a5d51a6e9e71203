// Tests of EncodeLabelMap and EncodeScores: PNG round trips, and raw and float bytes checked
// against values worked out by hand from the formats' definitions.
#include "server/image/encode_outputs.h"

#include <ATen/ATen.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;

cv::Mat DecodePng(const std::string& png) {
  const std::vector<uint8_t> bytes(png.begin(), png.end());
  return cv::imdecode(bytes, cv::IMREAD_UNCHANGED);
}

TEST(EncodeLabelMapTest, EightBitPngRoundTrip) {
  cv::Mat labels(7, 13, CV_8UC1);
  cv::RNG(3).fill(labels, cv::RNG::UNIFORM, 0, 256);
  v1::LabelMap out;
  ASSERT_TRUE(EncodeLabelMap(labels, v1::LABEL_FORMAT_PNG, &out).ok());
  EXPECT_EQ(out.width(), 13);
  EXPECT_EQ(out.height(), 7);
  EXPECT_EQ(out.format(), v1::LABEL_FORMAT_PNG);
  EXPECT_EQ(out.bits_per_pixel(), 8);
  // IHDR bit depth (byte 24) and colour type (byte 25, 0 = greyscale).
  ASSERT_GT(out.data().size(), 26u);
  EXPECT_EQ(out.data()[24], 8);
  EXPECT_EQ(out.data()[25], 0);
  const cv::Mat decoded = DecodePng(out.data());
  ASSERT_EQ(decoded.type(), CV_8UC1);
  EXPECT_EQ(cv::norm(decoded, labels, cv::NORM_INF), 0);
}

TEST(EncodeLabelMapTest, SixteenBitPngRoundTrip) {
  cv::Mat labels(5, 9, CV_16UC1);
  cv::RNG(4).fill(labels, cv::RNG::UNIFORM, 0, 1000);  // beyond 255: needs the high byte
  labels.at<uint16_t>(0, 0) = 999;
  v1::LabelMap out;
  ASSERT_TRUE(EncodeLabelMap(labels, v1::LABEL_FORMAT_PNG, &out).ok());
  EXPECT_EQ(out.bits_per_pixel(), 16);
  EXPECT_EQ(out.data()[24], 16);
  EXPECT_EQ(out.data()[25], 0);
  const cv::Mat decoded = DecodePng(out.data());
  ASSERT_EQ(decoded.type(), CV_16UC1);
  EXPECT_EQ(cv::norm(decoded, labels, cv::NORM_INF), 0);
}

TEST(EncodeLabelMapTest, RawEightBitIsRowMajor) {
  const cv::Mat labels = (cv::Mat_<uint8_t>(2, 3) << 1, 2, 3, 4, 5, 255);
  v1::LabelMap out;
  ASSERT_TRUE(EncodeLabelMap(labels, v1::LABEL_FORMAT_RAW, &out).ok());
  EXPECT_EQ(out.data(), std::string("\x01\x02\x03\x04\x05\xFF", 6));
  EXPECT_EQ(out.width(), 3);
  EXPECT_EQ(out.height(), 2);
  EXPECT_EQ(out.format(), v1::LABEL_FORMAT_RAW);
  EXPECT_EQ(out.bits_per_pixel(), 8);
}

TEST(EncodeLabelMapTest, RawSixteenBitIsLittleEndian) {
  const cv::Mat labels = (cv::Mat_<uint16_t>(2, 2) << 0x0102, 0x0304, 0xA0B0, 0xFFFE);
  v1::LabelMap out;
  ASSERT_TRUE(EncodeLabelMap(labels, v1::LABEL_FORMAT_RAW, &out).ok());
  EXPECT_EQ(out.data(), std::string("\x02\x01\x04\x03\xB0\xA0\xFE\xFF", 8));
  EXPECT_EQ(out.bits_per_pixel(), 16);
}

TEST(EncodeLabelMapTest, RawOfAViewCopiesOnlyItsPixels) {
  const cv::Mat whole = (cv::Mat_<uint8_t>(3, 3) << 1, 2, 3, 4, 5, 6, 7, 8, 9);
  const cv::Mat view = whole(cv::Rect(1, 1, 2, 2));  // rows not contiguous in memory
  ASSERT_FALSE(view.isContinuous());
  v1::LabelMap out;
  ASSERT_TRUE(EncodeLabelMap(view, v1::LABEL_FORMAT_RAW, &out).ok());
  EXPECT_EQ(out.data(), std::string("\x05\x06\x08\x09", 4));
}

TEST(EncodeLabelMapTest, BadInputs) {
  v1::LabelMap out;
  EXPECT_EQ(EncodeLabelMap(cv::Mat(), v1::LABEL_FORMAT_PNG, &out).code(),
            absl::StatusCode::kInvalidArgument);
  const absl::Status wrong_type =
      EncodeLabelMap(cv::Mat(2, 2, CV_32SC1, cv::Scalar(1)), v1::LABEL_FORMAT_RAW, &out);
  EXPECT_EQ(wrong_type.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(wrong_type.message(), HasSubstr("CV_8UC1 or CV_16UC1"));
  EXPECT_EQ(EncodeLabelMap(cv::Mat(2, 2, CV_8UC3), v1::LABEL_FORMAT_RAW, &out).code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(EncodeLabelMap(cv::Mat(2, 2, CV_8UC1), static_cast<v1::LabelFormat>(9), &out).code(),
            absl::StatusCode::kInvalidArgument);
}

// The little-endian 16-bit words of `bytes`.
std::vector<uint16_t> Words(const std::string& bytes) {
  std::vector<uint16_t> words;
  for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
    words.push_back(static_cast<uint16_t>(static_cast<unsigned char>(bytes[i]) |
                                          (static_cast<unsigned char>(bytes[i + 1]) << 8)));
  }
  return words;
}

TEST(EncodeScoresTest, Float32BytesAndShape) {
  // [2 classes, 1, 2]: 1.0 = 0x3F800000, 0.5 = 0x3F000000, -2.0 = 0xC0000000, 0.25 = 0x3E800000.
  const at::Tensor scores = at::tensor({1.0f, 0.5f, -2.0f, 0.25f}).reshape({2, 1, 2});
  v1::ClassScores out;
  ASSERT_TRUE(EncodeScores(scores, v1::SCORE_FORMAT_FLOAT32, &out).ok());
  EXPECT_EQ(out.format(), v1::SCORE_FORMAT_FLOAT32);
  EXPECT_EQ(out.num_classes(), 2);
  EXPECT_EQ(out.height(), 1);
  EXPECT_EQ(out.width(), 2);
  EXPECT_EQ(out.data(), std::string("\x00\x00\x80\x3F"
                                    "\x00\x00\x00\x3F"
                                    "\x00\x00\x00\xC0"
                                    "\x00\x00\x80\x3E",
                                    16));
}

TEST(EncodeScoresTest, Float16KnownValues) {
  // 1.0 = 0x3C00, 0.5 = 0x3800, 65504 (the largest half) = 0x7BFF,
  // 1/3 = 1.0101...b x 2^-2: exponent 13 (0b01101), mantissa 0101010101|01... rounds down: 0x3555.
  // 1 + 2^-11 is halfway between 0x3C00 and 0x3C01: ties go to the even mantissa, 0x3C00;
  // 1 + 3·2^-11 is halfway between 0x3C01 and 0x3C02: even is 0x3C02.
  const at::Tensor scores =
      at::tensor({1.0f, 0.5f, 65504.0f, 1.0f / 3.0f, 1.0f + std::ldexp(1.0f, -11),
                  1.0f + 3 * std::ldexp(1.0f, -11)})
          .reshape({1, 2, 3});
  v1::ClassScores out;
  ASSERT_TRUE(EncodeScores(scores, v1::SCORE_FORMAT_FLOAT16, &out).ok());
  EXPECT_EQ(out.format(), v1::SCORE_FORMAT_FLOAT16);
  EXPECT_EQ(out.num_classes(), 1);
  EXPECT_EQ(out.height(), 2);
  EXPECT_EQ(out.width(), 3);
  ASSERT_EQ(out.data().size(), 12u);
  EXPECT_EQ(out.data().substr(0, 2), std::string("\x00\x3C", 2));  // little-endian
  EXPECT_THAT(Words(out.data()),
              ::testing::ElementsAre(0x3C00, 0x3800, 0x7BFF, 0x3555, 0x3C00, 0x3C02));
}

// The value of a positive finite IEEE half, from its bits.
double HalfValue(uint16_t bits) {
  const int exponent = (bits >> 10) & 0x1F;
  const int mantissa = bits & 0x3FF;
  if (exponent == 0) return std::ldexp(mantissa, -24);  // subnormal
  return std::ldexp(1024 + mantissa, exponent - 25);
}

TEST(EncodeScoresTest, Float16IsNearestEvenOnALargeTensor) {
  // Enough values for ATen's vectorised and threaded conversion paths, in [0, 1] like scores,
  // with exact ties between neighbouring halves sprinkled in.
  at::Tensor scores = at::rand({3, 64, 65}, at::TensorOptions().dtype(at::kFloat));
  auto flat = scores.view({-1});
  for (int64_t i = 0; i < flat.numel(); i += 97) {
    const uint16_t low = static_cast<uint16_t>(0x3000 + i % 0x0C00);  // halves in [0.125, 1)
    flat[i] = static_cast<float>((HalfValue(low) + HalfValue(low + 1)) / 2);
  }
  v1::ClassScores out;
  ASSERT_TRUE(EncodeScores(scores, v1::SCORE_FORMAT_FLOAT16, &out).ok());
  const std::vector<uint16_t> words = Words(out.data());
  ASSERT_EQ(static_cast<int64_t>(words.size()), scores.numel());
  const float* values = scores.data_ptr<float>();
  for (size_t i = 0; i < words.size(); ++i) {
    const double x = values[i];
    const uint16_t bits = words[i];
    const double error = std::abs(HalfValue(bits) - x);
    // No neighbouring half is closer, and at a tie the chosen mantissa is even.
    const double below = bits > 0 ? std::abs(HalfValue(bits - 1) - x) : INFINITY;
    const double above = std::abs(HalfValue(bits + 1) - x);
    ASSERT_LE(error, below) << i << ": " << x;
    ASSERT_LE(error, above) << i << ": " << x;
    if (error == below || error == above) {
      ASSERT_EQ(bits % 2, 0) << i << ": " << x;
    }
  }
}

TEST(EncodeScoresTest, NonContiguousInputIsWrittenRowMajor) {
  // base[c][x][y] = 6c + 3x + y; its transpose has [c][y][x] rows that are not contiguous.
  const at::Tensor base = at::arange(0, 2 * 3 * 2, at::kFloat).reshape({2, 2, 3});
  const at::Tensor scores = base.transpose(1, 2);  // [2, 3, 2]: scores[c][y][x] = base[c][x][y]
  ASSERT_FALSE(scores.is_contiguous());
  v1::ClassScores out;
  ASSERT_TRUE(EncodeScores(scores, v1::SCORE_FORMAT_FLOAT32, &out).ok());
  ASSERT_EQ(out.data().size(), 12u * 4);
  std::vector<float> written(12);
  std::memcpy(written.data(), out.data().data(), out.data().size());
  std::vector<float> expected;
  for (int c = 0; c < 2; ++c) {
    for (int y = 0; y < 3; ++y) {
      for (int x = 0; x < 2; ++x) expected.push_back(static_cast<float>(6 * c + 3 * x + y));
    }
  }
  EXPECT_EQ(written, expected);
  EXPECT_EQ(out.height(), 3);
  EXPECT_EQ(out.width(), 2);
}

TEST(EncodeScoresTest, NoneLeavesTheMessageUntouched) {
  v1::ClassScores out;
  out.set_num_classes(7);
  out.set_data("kept");
  EXPECT_TRUE(EncodeScores(at::Tensor(), v1::SCORE_FORMAT_NONE, &out).ok());
  EXPECT_TRUE(EncodeScores(at::ones({1, 1, 1}), v1::SCORE_FORMAT_NONE, &out).ok());
  EXPECT_EQ(out.num_classes(), 7);
  EXPECT_EQ(out.data(), "kept");
  EXPECT_EQ(out.format(), v1::SCORE_FORMAT_NONE);
}

TEST(EncodeScoresTest, BadInputs) {
  v1::ClassScores out;
  const auto code = [&out](const at::Tensor& scores, v1::ScoreFormat format) {
    return EncodeScores(scores, format, &out).code();
  };
  EXPECT_EQ(code(at::Tensor(), v1::SCORE_FORMAT_FLOAT16), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(at::ones({2, 2}), v1::SCORE_FORMAT_FLOAT32), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(at::ones({1, 2, 2}, at::kDouble), v1::SCORE_FORMAT_FLOAT32),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(at::ones({0, 2, 2}), v1::SCORE_FORMAT_FLOAT32),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(at::ones({1, 2, 2}), static_cast<v1::ScoreFormat>(5)),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(out.ByteSizeLong(), 0u);  // nothing was written by a refused call
}

}  // namespace
}  // namespace itaclip::server
