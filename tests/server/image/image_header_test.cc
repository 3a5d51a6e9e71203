// Tests of ReadImageHeader against OpenCV-encoded images of known sizes and byte-by-byte builds
// of the cases OpenCV does not write, and of its behaviour on truncated and mangled input.
#include "server/image/image_header.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <random>
#include <string>
#include <vector>

#include "tests/server/image/test_images.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;
using namespace test_images;  // NOLINT: the helpers of this test folder

// Width and height deliberately different and not multiples of 8 (JPEG blocks) or 4 (BMP rows).
constexpr int kWidth = 37, kHeight = 23;

void ExpectHeader(const std::string& encoded, const std::string& format, int64_t width,
                  int64_t height) {
  const absl::StatusOr<ImageHeader> header = ReadImageHeader(encoded);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->format, format);
  EXPECT_EQ(header->width, width);
  EXPECT_EQ(header->height, height);
}

void ExpectInvalid(const std::string& encoded, const std::string& message) {
  const absl::StatusOr<ImageHeader> header = ReadImageHeader(encoded);
  ASSERT_FALSE(header.ok()) << header->format << " " << header->width << "x" << header->height;
  EXPECT_EQ(header.status().code(), absl::StatusCode::kInvalidArgument) << header.status();
  EXPECT_THAT(header.status().message(), HasSubstr(message));
}

// The offset just past the segment of the first `marker` (FF xx) in a JPEG written by libjpeg,
// whose tables before the frame header hold no FF byte.
size_t EndOfJpegSegment(const std::string& jpeg, char marker) {
  const size_t at = jpeg.find(std::string("\xFF") + marker);
  EXPECT_NE(at, std::string::npos);
  if (at == std::string::npos) return 0;
  const size_t length =
      (static_cast<unsigned char>(jpeg[at + 2]) << 8) | static_cast<unsigned char>(jpeg[at + 3]);
  return at + 2 + length;
}

TEST(ImageHeaderTest, PngFromOpenCv) {
  ExpectHeader(Encode(".png", Gradient(kWidth, kHeight)), "png", kWidth, kHeight);
  ExpectHeader(Encode(".png", cv::Mat(kHeight, kWidth, CV_16UC1, cv::Scalar(1000))), "png", kWidth,
               kHeight);
  ExpectHeader(Encode(".png", cv::Mat(kHeight, kWidth, CV_8UC4, cv::Scalar(1, 2, 3, 4))), "png",
               kWidth, kHeight);
}

TEST(ImageHeaderTest, HandBuiltPngChecksCrcWithinLimits) {
  // The CRC helper against the spec's well-known value for the IEND chunk: AE 42 60 82.
  ASSERT_EQ(PngCrc32("IEND"), 0xAE426082u);
  ExpectHeader(PngSignatureAndIhdr(0x7FFFFFFF, 1, 8, 0), "png", 0x7FFFFFFF, 1);
  ExpectHeader(PngSignatureAndIhdr(3, 100000, 16, 6), "png", 3, 100000);
}

TEST(ImageHeaderTest, BaselineJpegFromOpenCv) {
  const std::string jpeg = Encode(".jpg", Gradient(kWidth, kHeight));
  ASSERT_NE(jpeg.find("\xFF\xC0"), std::string::npos) << "not a baseline (SOF0) JPEG";
  ExpectHeader(jpeg, "jpeg", kWidth, kHeight);
}

TEST(ImageHeaderTest, ProgressiveJpegFromOpenCv) {
  const std::string jpeg =
      Encode(".jpg", Gradient(kWidth, kHeight), {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  ASSERT_NE(jpeg.find("\xFF\xC2"), std::string::npos) << "not a progressive (SOF2) JPEG";
  ASSERT_EQ(jpeg.find("\xFF\xC0"), std::string::npos);
  ExpectHeader(jpeg, "jpeg", kWidth, kHeight);
}

TEST(ImageHeaderTest, GreyJpegFromOpenCv) {
  ExpectHeader(Encode(".jpg", cv::Mat(kHeight, kWidth, CV_8UC1, cv::Scalar(7))), "jpeg", kWidth,
               kHeight);
}

TEST(ImageHeaderTest, JpegSegmentsAreWalkedNotScanned) {
  std::string jpeg = "\xFF\xD8";
  // A comment holding what looks like a SOF0 of 1x1: a scanner for FF C0 would stop here.
  jpeg += std::string("\xFF\xFE\x00\x0D", 4) +
          std::string("\xFF\xC0\x00\x0B\x08\x00\x01\x00\x01\x01\x01", 11);
  // DHT (C4), JPG (C8) and DAC (CC) sit in the SOF range but are not frame headers; each holds
  // bytes that would read as a 4x4 image if parsed as one.
  for (const char marker : {'\xC4', '\xC8', '\xCC'}) {
    jpeg += std::string("\xFF") + marker + std::string("\x00\x08\x08\x00\x04\x00\x04\x01", 8);
  }
  // Fill bytes before the marker, then a progressive frame header: Lf = 17 (3 components),
  // P = 8, Y = 0x0102 = 258, X = 0x0304 = 772.
  jpeg += std::string("\xFF\xFF\xFF\xC2\x00\x11\x08\x01\x02\x03\x04\x03", 12) +
          std::string("\x01\x22\x00\x02\x11\x01\x03\x11\x01", 9);
  ExpectHeader(jpeg, "jpeg", 772, 258);
}

TEST(ImageHeaderTest, JpegFillBytesBeforeTheFrameHeader) {
  std::string jpeg = Encode(".jpg", Gradient(kWidth, kHeight));
  const size_t sof = jpeg.find("\xFF\xC0");
  ASSERT_NE(sof, std::string::npos);
  jpeg.insert(sof, "\xFF\xFF\xFF");
  ExpectHeader(jpeg, "jpeg", kWidth, kHeight);
}

TEST(ImageHeaderTest, BmpFromOpenCv) {
  ExpectHeader(Encode(".bmp", Gradient(kWidth, kHeight)), "bmp", kWidth, kHeight);
}

TEST(ImageHeaderTest, TopDownBmpHasNegativeHeight) {
  const std::string bmp = TopDownBmp(2, {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}});
  // biHeight at offset 22 is -3 (two's complement FD FF FF FF).
  ASSERT_EQ(bmp.substr(22, 4), std::string("\xFD\xFF\xFF\xFF", 4));
  ExpectHeader(bmp, "bmp", 2, 3);
}

TEST(ImageHeaderTest, BmpWithCoreHeader) {
  ExpectHeader(CoreHeaderBmp(5, 4, {10, 20, 30}), "bmp", 5, 4);
}

TEST(ImageHeaderTest, WebpLossyAndLosslessFromOpenCv) {
  const std::string lossy =
      Encode(".webp", Gradient(kWidth, kHeight), {cv::IMWRITE_WEBP_QUALITY, 80});
  ASSERT_EQ(lossy.substr(12, 4), "VP8 ");
  ExpectHeader(lossy, "webp", kWidth, kHeight);
  // OpenCV writes lossless WebP for a quality above 100.
  const std::string lossless =
      Encode(".webp", Gradient(kWidth, kHeight), {cv::IMWRITE_WEBP_QUALITY, 101});
  ASSERT_EQ(lossless.substr(12, 4), "VP8L");
  ExpectHeader(lossless, "webp", kWidth, kHeight);
}

TEST(ImageHeaderTest, WebpVp8xCanvas) {
  ExpectHeader(Vp8xWebp(300, 200), "webp", 300, 200);
  // 24-bit fields: 2^24 is the largest width; the canvas area stays within 2^32 - 1.
  ExpectHeader(Vp8xWebp(1 << 24, 1), "webp", 1 << 24, 1);
  ExpectHeader(Vp8xWebp(65536, 65535), "webp", 65536, 65535);
  ExpectInvalid(Vp8xWebp(65536, 65536), "above 2^32-1 pixels");
}

TEST(ImageHeaderTest, EmptyAndUnknownFormats) {
  ExpectInvalid("", "empty");
  ExpectInvalid(
      std::string("GIF89a\x01\x00\x01\x00", 10),
      "the image is not PNG, JPEG, BMP or WebP (first bytes: 47 49 46 38 39 61 01 00 ...)");
  ExpectInvalid("\x89", "(first bytes: 89)");
  ExpectInvalid(std::string("RIFF\x24\x00\x00\x00WAVEfmt ", 16), "not PNG, JPEG, BMP or WebP");
}

TEST(ImageHeaderTest, CorruptPng) {
  std::string bad_crc = PngSignatureAndIhdr(10, 10, 8, 2);
  bad_crc[29] ^= 1;
  ExpectInvalid(bad_crc, "CRC");
  ExpectInvalid(PngSignatureAndIhdr(0, 10, 8, 2), "positive");
  ExpectInvalid(PngSignatureAndIhdr(10, 0, 8, 2), "positive");
  ExpectInvalid(PngSignatureAndIhdr(0x80000000u, 10, 8, 2), "2^31-1");
  ExpectInvalid(PngSignatureAndIhdr(10, 10, 4, 2), "bit depth 4 with colour type 2");
  ExpectInvalid(PngSignatureAndIhdr(10, 10, 8, 5), "colour type 5");
  std::string text_mode = PngSignatureAndIhdr(10, 10, 8, 2);
  text_mode[4] = '\n';  // CR LF turned into LF LF
  ExpectInvalid(text_mode, "bad signature");
  std::string not_ihdr = std::string("\x89PNG\r\n\x1a\n", 8) + PngChunk("gAMA", "0123456789abc");
  ExpectInvalid(not_ihdr, "not IHDR");
}

TEST(ImageHeaderTest, CorruptJpeg) {
  const std::string soi = "\xFF\xD8";
  ExpectInvalid(soi + "\xFF\xD9", "EOI");
  ExpectInvalid(soi + std::string("\xFF\xDA\x00\x02", 4), "SOS");
  ExpectInvalid(soi + "\xFF\xD8", "second SOI");
  ExpectInvalid(soi + std::string("\xFF\xE0\x00\x01", 4), "length 1");
  // Height 0 (defined later by a DNL marker) and width 0.
  ExpectInvalid(soi + std::string("\xFF\xC0\x00\x0B\x08\x00\x00\x00\x10\x01\x01\x11\x00", 13),
                "positive");
  ExpectInvalid(soi + std::string("\xFF\xC0\x00\x0B\x08\x00\x10\x00\x00\x01\x01\x11\x00", 13),
                "positive");
  // Lf = 11 announces one component but Nf says 3.
  ExpectInvalid(soi + std::string("\xFF\xC0\x00\x0B\x08\x00\x10\x00\x10\x03\x01\x11\x00", 13),
                "3 components");
}

TEST(ImageHeaderTest, CorruptBmp) {
  std::string bmp = Encode(".bmp", Gradient(kWidth, kHeight));
  std::string unknown_dib = bmp;
  unknown_dib[14] = 20;
  ExpectInvalid(unknown_dib, "unknown DIB header size 20");
  std::string zero_width = bmp;
  zero_width.replace(18, 4, std::string(4, '\0'));
  ExpectInvalid(zero_width, "positive");
  std::string negative_width = bmp;
  negative_width.replace(18, 4, "\xFF\xFF\xFF\xFF");
  ExpectInvalid(negative_width, "positive");
  std::string min_height = bmp;
  min_height.replace(22, 4, std::string("\x00\x00\x00\x80", 4));
  ExpectInvalid(min_height, "height -2147483648");
}

TEST(ImageHeaderTest, CorruptWebp) {
  const std::string lossy =
      Encode(".webp", Gradient(kWidth, kHeight), {cv::IMWRITE_WEBP_QUALITY, 80});
  std::string inter_frame = lossy;
  inter_frame[20] |= 1;
  ExpectInvalid(inter_frame, "not a key frame");
  std::string no_start_code = lossy;
  no_start_code[23] = 0;
  ExpectInvalid(no_start_code, "start code");
  std::string zero_width = lossy;
  zero_width[26] = 0;
  zero_width[27] = 0;
  ExpectInvalid(zero_width, "positive");
  const std::string lossless =
      Encode(".webp", Gradient(kWidth, kHeight), {cv::IMWRITE_WEBP_QUALITY, 101});
  std::string version = lossless;
  version[24] = static_cast<char>(version[24] | 0x20);  // top 3 bits of the 32-bit field: version
  ExpectInvalid(version, "VP8L version 1");
  std::string alph = lossy;
  alph.replace(12, 4, "ALPH");
  ExpectInvalid(alph, "unknown first chunk 'ALPH'");
}

// Each sample, with the length of its header by its format's specification.
struct Sample {
  std::string name;
  std::string bytes;
  size_t header_length;
};

std::vector<Sample> Samples() {
  const cv::Mat image = Gradient(kWidth, kHeight);
  std::vector<Sample> samples;
  // PNG: signature 8 + IHDR (4 length + 4 type + 13 data + 4 CRC).
  samples.push_back({"png", Encode(".png", image), 33});
  const std::string jpeg = Encode(".jpg", image);
  samples.push_back({"jpeg", jpeg, EndOfJpegSegment(jpeg, '\xC0')});
  const std::string progressive = Encode(".jpg", image, {cv::IMWRITE_JPEG_PROGRESSIVE, 1});
  samples.push_back({"progressive jpeg", progressive, EndOfJpegSegment(progressive, '\xC2')});
  // BMP: file header 14 + BITMAPINFOHEADER 40, or + BITMAPCOREHEADER 12.
  samples.push_back({"bmp", Encode(".bmp", image), 54});
  samples.push_back({"top-down bmp", TopDownBmp(2, {{1, 2, 3}, {4, 5, 6}}), 54});
  samples.push_back({"core bmp", CoreHeaderBmp(5, 4, {1, 2, 3}), 26});
  // WebP: RIFF header 12 + chunk header 8, then VP8 10 bytes, VP8L 5 bytes, VP8X 10 bytes.
  samples.push_back({"webp vp8", Encode(".webp", image, {cv::IMWRITE_WEBP_QUALITY, 80}), 30});
  samples.push_back({"webp vp8l", Encode(".webp", image, {cv::IMWRITE_WEBP_QUALITY, 101}), 25});
  samples.push_back({"webp vp8x", Vp8xWebp(300, 200, std::string(40, '\0')), 30});
  return samples;
}

TEST(ImageHeaderTest, EveryTruncationOfTheHeaderIsAnError) {
  for (const Sample& sample : Samples()) {
    SCOPED_TRACE(sample.name);
    const absl::StatusOr<ImageHeader> full = ReadImageHeader(sample.bytes);
    ASSERT_TRUE(full.ok()) << full.status();
    ASSERT_GT(sample.header_length, 0u);
    ASSERT_LE(sample.header_length, sample.bytes.size());
    for (size_t length = 0; length <= sample.bytes.size(); ++length) {
      // A copy of exactly `length` bytes, so that a read past its end is a heap overflow that
      // AddressSanitizer reports, not a read of the next bytes of the sample.
      const std::string prefix = sample.bytes.substr(0, length);
      const absl::StatusOr<ImageHeader> header = ReadImageHeader(prefix);
      if (length < sample.header_length) {
        ASSERT_FALSE(header.ok()) << "length " << length;
        ASSERT_EQ(header.status().code(), absl::StatusCode::kInvalidArgument);
      } else {
        ASSERT_TRUE(header.ok()) << "length " << length << ": " << header.status();
        EXPECT_EQ(header->width, full->width);
        EXPECT_EQ(header->height, full->height);
      }
    }
  }
}

TEST(ImageHeaderTest, MangledHeadersGiveAStatusOrAPositiveSize) {
  std::mt19937 random(20240611);
  int errors = 0, parsed = 0;
  for (const Sample& sample : Samples()) {
    const size_t span = std::min<size_t>(sample.bytes.size(), 64);
    for (int trial = 0; trial < 500; ++trial) {
      std::string bytes = sample.bytes;
      const int flips = 1 + static_cast<int>(random() % 4);
      for (int i = 0; i < flips; ++i) bytes[random() % span] = static_cast<char>(random() & 0xFF);
      bytes.resize(random() % (bytes.size() + 1));
      const absl::StatusOr<ImageHeader> header = ReadImageHeader(bytes);
      if (header.ok()) {
        ++parsed;
        EXPECT_GT(header->width, 0) << sample.name;
        EXPECT_GT(header->height, 0) << sample.name;
      } else {
        ++errors;
        EXPECT_EQ(header.status().code(), absl::StatusCode::kInvalidArgument);
      }
    }
  }
  // Both outcomes occur, so the trials exercised the parsers and not only the format check.
  EXPECT_GT(errors, 0);
  EXPECT_GT(parsed, 0);
}

TEST(CheckDecodedPixelsTest, LimitIsInclusiveAndNamedInTheMessage) {
  EXPECT_TRUE(CheckDecodedPixels(8000, 5000, 40'000'000).ok());
  const absl::Status over = CheckDecodedPixels(20000, 20000, 40'000'000);
  EXPECT_EQ(over.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(over.message(),
            "the image is 20000x20000 = 400000000 pixels; the limit (max_decoded_pixels) is "
            "40000000");
  EXPECT_EQ(CheckDecodedPixels(8000, 5001, 40'000'000).code(),
            absl::StatusCode::kResourceExhausted);
  // A product beyond int64 is still refused, without overflow.
  const int64_t huge = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_EQ(CheckDecodedPixels(huge, huge, 40'000'000).code(),
            absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(CheckDecodedPixels(0, 10, 40'000'000).code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace itaclip::server
