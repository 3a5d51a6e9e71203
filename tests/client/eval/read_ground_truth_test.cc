// Ground truth as mmseg reads it: palette PNGs give their indices (built here byte by byte, with
// a stored deflate block, so no PNG library is involved), grayscale PNGs their values; others are
// refused.
#include "client/eval/read_ground_truth.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

namespace itaclip::client {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

uint32_t Crc32(const std::string& bytes) {  // the PNG/zlib CRC-32, bit by bit
  uint32_t crc = 0xffffffffu;
  for (const char c : bytes) {
    crc ^= static_cast<uint8_t>(c);
    for (int k = 0; k < 8; ++k) crc = (crc >> 1) ^ (0xedb88320u & (0u - (crc & 1u)));
  }
  return ~crc;
}

std::string BigEndian32(uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8),
          static_cast<char>(v)};
}

std::string Chunk(const std::string& type, const std::string& data) {
  return BigEndian32(static_cast<uint32_t>(data.size())) + type + data +
         BigEndian32(Crc32(type + data));
}

// A zlib stream holding `raw` in one stored (uncompressed) deflate block (RFC 1950/1951).
std::string StoredZlib(const std::string& raw) {
  uint32_t a = 1, b = 0;  // Adler-32
  for (const char c : raw) {
    a = (a + static_cast<uint8_t>(c)) % 65521;
    b = (b + a) % 65521;
  }
  const uint16_t len = static_cast<uint16_t>(raw.size());
  std::string z = {'\x78',
                   '\x01',
                   '\x01',
                   static_cast<char>(len & 0xff),
                   static_cast<char>(len >> 8),
                   static_cast<char>(~len & 0xff),
                   static_cast<char>((~len >> 8) & 0xff)};
  return z + raw + BigEndian32((b << 16) | a);
}

// An 8-bit palette PNG of `rows` (each a row of indices) with `palette` (r, g, b triples).
std::string PalettePng(const std::vector<std::vector<uint8_t>>& rows, const std::string& palette) {
  std::string raw;
  for (const auto& row : rows) {
    raw.push_back('\0');  // filter type None
    raw.append(row.begin(), row.end());
  }
  const std::string header = BigEndian32(static_cast<uint32_t>(rows[0].size())) +
                             BigEndian32(static_cast<uint32_t>(rows.size())) +
                             std::string{8, 3, 0, 0, 0};  // depth 8, palette, no interlace
  return std::string("\x89PNG\r\n\x1a\n", 8) + Chunk("IHDR", header) + Chunk("PLTE", palette) +
         Chunk("IDAT", StoredZlib(raw)) + Chunk("IEND", "");
}

// The PASCAL VOC colour map: index bits interleaved into r, g, b from the high bit down.
std::string VocPalette() {
  std::string palette;
  for (int i = 0; i < 256; ++i) {
    int r = 0, g = 0, b = 0, c = i;
    for (int j = 0; j < 8; ++j) {
      r |= ((c >> 0) & 1) << (7 - j);
      g |= ((c >> 1) & 1) << (7 - j);
      b |= ((c >> 2) & 1) << (7 - j);
      c >>= 3;
    }
    palette += {static_cast<char>(r), static_cast<char>(g), static_cast<char>(b)};
  }
  return palette;
}

std::vector<uint8_t> Pixels(const cv::Mat& m) {
  return std::vector<uint8_t>(m.begin<uint8_t>(), m.end<uint8_t>());
}

TEST(ReadGroundTruthTest, VocPalettePngGivesIndicesNotColours) {
  const std::string png = PalettePng({{0, 1, 15, 255}, {20, 0, 255, 7}}, VocPalette());
  // What OpenCV alone makes of it: colours (index 15, person, is (192, 128, 128)).
  const cv::Mat colours =
      cv::imdecode(cv::Mat(1, static_cast<int>(png.size()), CV_8UC1, const_cast<char*>(png.data())),
                   cv::IMREAD_UNCHANGED);
  ASSERT_EQ(colours.channels(), 3);
  EXPECT_EQ(colours.at<cv::Vec3b>(0, 2), cv::Vec3b(128, 128, 192));  // BGR
  absl::StatusOr<cv::Mat> labels = DecodeGroundTruth(png, "voc.png");
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_EQ(labels->type(), CV_8UC1);
  EXPECT_THAT(Pixels(*labels), ElementsAre(0, 1, 15, 255, 20, 0, 255, 7));
}

TEST(ReadGroundTruthTest, PaletteDuplicatesTakeTheFirstIndex) {
  // Three entries; the third repeats black (palettes padded with black are common).
  const std::string palette =
      std::string{0, 0, 0} + std::string{'\x80', 0, 0} + std::string{0, 0, 0};
  absl::StatusOr<cv::Mat> labels = DecodeGroundTruth(PalettePng({{0, 1, 0}}, palette), "p.png");
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_THAT(Pixels(*labels), ElementsAre(0, 1, 0));
}

TEST(ReadGroundTruthTest, GrayscalePngKeepsItsValues) {
  cv::Mat gray(2, 3, CV_8UC1);
  const uint8_t values[] = {0, 5, 170, 255, 18, 3};
  std::copy(values, values + 6, gray.data);
  std::vector<uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", gray, png));
  absl::StatusOr<cv::Mat> labels = DecodeGroundTruth(std::string(png.begin(), png.end()), "g.png");
  ASSERT_TRUE(labels.ok()) << labels.status();
  EXPECT_THAT(Pixels(*labels), ElementsAre(0, 5, 170, 255, 18, 3));
}

TEST(ReadGroundTruthTest, RefusesWhatIsNotALabelMap) {
  std::vector<uint8_t> png;
  ASSERT_TRUE(cv::imencode(".png", cv::Mat(2, 2, CV_8UC3, cv::Scalar(1, 2, 3)), png));
  EXPECT_THAT(DecodeGroundTruth(std::string(png.begin(), png.end()), "rgb.png").status().message(),
              HasSubstr("colour type 2"));
  ASSERT_TRUE(cv::imencode(".png", cv::Mat(2, 2, CV_16UC1, cv::Scalar(300)), png));
  EXPECT_THAT(DecodeGroundTruth(std::string(png.begin(), png.end()), "16.png").status().message(),
              HasSubstr("bit depth 16"));
  EXPECT_THAT(DecodeGroundTruth("not an image", "x.png").status().message(),
              HasSubstr("does not decode"));
  EXPECT_EQ(ReadGroundTruth("/nonexistent/gt.png").status().code(), absl::StatusCode::kNotFound);
}

}  // namespace
}  // namespace itaclip::client
