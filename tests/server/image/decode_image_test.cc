// Tests of DecodeEncodedImage and ImageFromRawPixels: every format and pixel layout ends as 8-bit
// BGR at the header's size, the pixel limit is enforced before decoding, bad input is a status.
#include "server/image/decode_image.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <limits>
#include <memory>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "server/image/image_header.h"
#include "tests/server/image/test_images.h"
#include "tests/testing/test_paths.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;
using namespace test_images;  // NOLINT: the helpers of this test folder

constexpr int64_t kLimit = 40'000'000;  // Limits::max_decoded_pixels' default
constexpr int kWidth = 37, kHeight = 23;

// Decodes and checks the result is CV_8UC3 at `width` x `height`.
cv::Mat DecodeOk(const std::string& encoded, int width, int height) {
  absl::StatusOr<cv::Mat> image = DecodeEncodedImage(encoded, kLimit);
  EXPECT_TRUE(image.ok()) << image.status();
  if (!image.ok()) return cv::Mat();
  EXPECT_EQ(image->type(), CV_8UC3);
  EXPECT_EQ(image->cols, width);
  EXPECT_EQ(image->rows, height);
  return *image;
}

double MaxAbsDifference(const cv::Mat& a, const cv::Mat& b) { return cv::norm(a, b, cv::NORM_INF); }

cv::Mat RandomImage(int width, int height, int type) {
  cv::Mat image(height, width, type);
  cv::RNG rng(7);
  rng.fill(image, cv::RNG::UNIFORM, 0, 256);
  return image;
}

TEST(DecodeEncodedImageTest, PngIsExact) {
  const cv::Mat bgr = RandomImage(kWidth, kHeight, CV_8UC3);
  const cv::Mat decoded = DecodeOk(Encode(".png", bgr), kWidth, kHeight);
  EXPECT_EQ(MaxAbsDifference(decoded, bgr), 0);
}

TEST(DecodeEncodedImageTest, GreyAndAlphaBecomeBgr) {
  const cv::Mat grey = RandomImage(kWidth, kHeight, CV_8UC1);
  cv::Mat grey_as_bgr;
  cv::merge(std::vector<cv::Mat>{grey, grey, grey}, grey_as_bgr);
  EXPECT_EQ(MaxAbsDifference(DecodeOk(Encode(".png", grey), kWidth, kHeight), grey_as_bgr), 0);

  const cv::Mat bgra = RandomImage(kWidth, kHeight, CV_8UC4);
  std::vector<cv::Mat> planes;
  cv::split(bgra, planes);
  planes.pop_back();  // the alpha channel is dropped, not blended
  cv::Mat bgr;
  cv::merge(planes, bgr);
  EXPECT_EQ(MaxAbsDifference(DecodeOk(Encode(".png", bgra), kWidth, kHeight), bgr), 0);
}

TEST(DecodeEncodedImageTest, SixteenBitPngBecomesEightBit) {
  // 257·k maps to k whether the 16 -> 8 bit conversion drops the low byte or scales by 255/65535.
  cv::Mat deep(2, 3, CV_16UC1);
  const uint16_t values[] = {0, 1, 128, 200, 254, 255};
  for (int i = 0; i < 6; ++i)
    deep.at<uint16_t>(i / 3, i % 3) = static_cast<uint16_t>(257 * values[i]);
  const cv::Mat decoded = DecodeOk(Encode(".png", deep), 3, 2);
  ASSERT_FALSE(decoded.empty());
  for (int i = 0; i < 6; ++i) {
    EXPECT_EQ(decoded.at<cv::Vec3b>(i / 3, i % 3), cv::Vec3b::all(values[i])) << i;
  }
}

TEST(DecodeEncodedImageTest, JpegBaselineAndProgressive) {
  const cv::Mat bgr = Gradient(kWidth, kHeight);
  const cv::Mat baseline =
      DecodeOk(Encode(".jpg", bgr, {cv::IMWRITE_JPEG_QUALITY, 95}), kWidth, kHeight);
  EXPECT_LT(MaxAbsDifference(baseline, bgr), 16);
  const cv::Mat progressive =
      DecodeOk(Encode(".jpg", bgr, {cv::IMWRITE_JPEG_QUALITY, 95, cv::IMWRITE_JPEG_PROGRESSIVE, 1}),
               kWidth, kHeight);
  EXPECT_LT(MaxAbsDifference(progressive, bgr), 16);
}

TEST(DecodeEncodedImageTest, JpegWithFillBytesBeforeTheFrameHeader) {
  std::string jpeg = Encode(".jpg", Gradient(kWidth, kHeight));
  jpeg.insert(jpeg.find("\xFF\xC0"), "\xFF\xFF");
  DecodeOk(jpeg, kWidth, kHeight);
}

TEST(DecodeEncodedImageTest, JpegExifQuarterTurnSwapsTheHeaderSize) {
  // 40 wide, 20 tall: the top half dark, the bottom half bright.
  cv::Mat stored(20, 40, CV_8UC3, cv::Scalar::all(20));
  stored.rowRange(10, 20).setTo(cv::Scalar::all(230));
  std::string jpeg = Encode(".jpg", stored);
  // APP1 "Exif\0\0", a little-endian TIFF header and IFD0 with one entry: Orientation (0x0112),
  // SHORT, count 1, value 6 ("rotate 90° clockwise to display").
  const std::string app1(
      "\xFF\xE1\x00\x22"
      "Exif\x00\x00"
      "II\x2A\x00\x08\x00\x00\x00"
      "\x01\x00"
      "\x12\x01\x03\x00\x01\x00\x00\x00\x06\x00\x00\x00"
      "\x00\x00\x00\x00",
      36);
  jpeg.insert(2, app1);
  const absl::StatusOr<ImageHeader> header = ReadImageHeader(jpeg);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->width, 40);
  EXPECT_EQ(header->height, 20);
  // Displayed as 20 wide, 40 tall; turning clockwise puts the stored top (dark) on the right.
  const cv::Mat shown = DecodeOk(jpeg, 20, 40);
  ASSERT_FALSE(shown.empty());
  EXPECT_GT(cv::mean(shown.colRange(0, 5))[0], 200);
  EXPECT_LT(cv::mean(shown.colRange(15, 20))[0], 50);
}

TEST(DecodeEncodedImageTest, Bmp) {
  const cv::Mat bgr = RandomImage(kWidth, kHeight, CV_8UC3);
  EXPECT_EQ(MaxAbsDifference(DecodeOk(Encode(".bmp", bgr), kWidth, kHeight), bgr), 0);
}

TEST(DecodeEncodedImageTest, TopDownBmpKeepsItsFirstRowOnTop) {
  const cv::Vec3b first(10, 20, 30), second(40, 50, 60), third(70, 80, 90);
  const cv::Mat decoded = DecodeOk(TopDownBmp(2, {first, second, third}), 2, 3);
  ASSERT_FALSE(decoded.empty());
  EXPECT_EQ(decoded.at<cv::Vec3b>(0, 1), first);
  EXPECT_EQ(decoded.at<cv::Vec3b>(1, 0), second);
  EXPECT_EQ(decoded.at<cv::Vec3b>(2, 1), third);
}

TEST(DecodeEncodedImageTest, BmpWithCoreHeader) {
  const cv::Mat decoded = DecodeOk(CoreHeaderBmp(5, 4, {10, 20, 30}), 5, 4);
  ASSERT_FALSE(decoded.empty());
  EXPECT_EQ(decoded.at<cv::Vec3b>(3, 4), cv::Vec3b(10, 20, 30));
}

TEST(DecodeEncodedImageTest, WebpLossyLosslessAndExtended) {
  const cv::Mat bgr = Gradient(kWidth, kHeight);
  const std::string lossy = Encode(".webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 90});
  EXPECT_LT(MaxAbsDifference(DecodeOk(lossy, kWidth, kHeight), bgr), 24);
  const std::string lossless = Encode(".webp", bgr, {cv::IMWRITE_WEBP_QUALITY, 101});
  EXPECT_EQ(MaxAbsDifference(DecodeOk(lossless, kWidth, kHeight), bgr), 0);
  // The same VP8 bitstream inside the extended container, its canvas the image's size.
  const std::string extended = Vp8xWebp(kWidth, kHeight, WebpChunks(lossy));
  EXPECT_LT(MaxAbsDifference(DecodeOk(extended, kWidth, kHeight), bgr), 24);
}

TEST(DecodeEncodedImageTest, SmallFileOfAHugeImageIsRefusedBeforeDecoding) {
  // 2000x2000 black pixels compress to a few kilobytes.
  const std::string png = Encode(".png", cv::Mat(2000, 2000, CV_8UC1, cv::Scalar(0)));
  ASSERT_LT(png.size(), 64u * 1024);
  const absl::StatusOr<cv::Mat> refused = DecodeEncodedImage(png, 1'000'000);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.status().message(),
            "the image is 2000x2000 = 4000000 pixels; the limit (max_decoded_pixels) is 1000000");
  // At a limit of exactly its size the same file decodes: the limit, nothing else, refused it.
  const absl::StatusOr<cv::Mat> allowed = DecodeEncodedImage(png, 4'000'000);
  ASSERT_TRUE(allowed.ok()) << allowed.status();
  EXPECT_EQ(allowed->cols, 2000);
}

TEST(DecodeEncodedImageTest, DecompressionBombHeaderIsRefusedWithoutDecoding) {
  // An IHDR claiming 100000x100000 8-bit grey (10^10 bytes decoded), then a cut-off IDAT.
  const std::string bomb =
      PngSignatureAndIhdr(100000, 100000, 8, 0) + PngChunk("IDAT", std::string("\x78\x9C", 2));
  const absl::StatusOr<cv::Mat> refused = DecodeEncodedImage(bomb, kLimit);
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(refused.status().message(),
            "the image is 100000x100000 = 10000000000 pixels; the limit (max_decoded_pixels) is "
            "40000000");
  // Had the limit not stopped it, the decoder would have refused it differently.
  const absl::StatusOr<cv::Mat> unlimited =
      DecodeEncodedImage(bomb, std::numeric_limits<int64_t>::max());
  EXPECT_EQ(unlimited.status().code(), absl::StatusCode::kInvalidArgument) << unlimited.status();
}

TEST(DecodeEncodedImageTest, UndecodableBodyIsInvalidArgument) {
  // A valid 10x10 RGB header followed by an IDAT that is not zlib data.
  const std::string png =
      PngSignatureAndIhdr(10, 10, 8, 2) + PngChunk("IDAT", "not zlib data") + PngChunk("IEND", "");
  const absl::StatusOr<cv::Mat> image = DecodeEncodedImage(png, kLimit);
  EXPECT_EQ(image.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(image.status().message(), HasSubstr("could not decode the png image"));
}

TEST(DecodeEncodedImageTest, BadHeaderIsInvalidArgument) {
  EXPECT_EQ(DecodeEncodedImage("", kLimit).status().code(), absl::StatusCode::kInvalidArgument);
  const absl::StatusOr<cv::Mat> gif = DecodeEncodedImage("GIF89a", kLimit);
  EXPECT_EQ(gif.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(gif.status().message(), HasSubstr("not PNG, JPEG, BMP or WebP"));
}

TEST(DecodeEncodedImageTest, VocSampleJpegDecodesToItsHeaderSize) {
  const std::string path = itaclip::testing::SharedPath("data/voc-samples/0.jpg");
  std::ifstream file(path, std::ios::binary);
  ASSERT_TRUE(file) << path;
  const std::string jpeg((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  const absl::StatusOr<ImageHeader> header = ReadImageHeader(jpeg);
  ASSERT_TRUE(header.ok()) << header.status();
  EXPECT_EQ(header->format, "jpeg");
  const cv::Mat decoded =
      DecodeOk(jpeg, static_cast<int>(header->width), static_cast<int>(header->height));
  // The same pixels the offline path (cv::imread) reads.
  const cv::Mat reference = cv::imread(path, cv::IMREAD_COLOR);
  ASSERT_FALSE(reference.empty());
  EXPECT_EQ(MaxAbsDifference(decoded, reference), 0);
}

v1::RawImage Raw(int width, int height, v1::RawImage::PixelFormat format, std::string pixels) {
  v1::RawImage raw;
  raw.set_width(width);
  raw.set_height(height);
  raw.set_format(format);
  raw.set_pixels(std::move(pixels));
  return raw;
}

TEST(ImageFromRawPixelsTest, RgbAndBgrGiveTheSameBgrImage) {
  // 2x1: a red pixel then a blue one.
  const auto rgb = std::make_unique<v1::RawImage>(
      Raw(2, 1, v1::RawImage::RGB, std::string("\xFF\x00\x00\x00\x00\xFF", 6)));
  const v1::RawImage bgr = Raw(2, 1, v1::RawImage::BGR, std::string("\x00\x00\xFF\xFF\x00\x00", 6));
  absl::StatusOr<cv::Mat> from_rgb = ImageFromRawPixels(*rgb, kLimit);
  const absl::StatusOr<cv::Mat> from_bgr = ImageFromRawPixels(bgr, kLimit);
  ASSERT_TRUE(from_rgb.ok()) << from_rgb.status();
  ASSERT_TRUE(from_bgr.ok()) << from_bgr.status();
  EXPECT_EQ(from_rgb->type(), CV_8UC3);
  EXPECT_EQ(from_bgr->type(), CV_8UC3);
  EXPECT_EQ(from_rgb->at<cv::Vec3b>(0, 0), cv::Vec3b(0, 0, 255));  // red, in BGR order
  EXPECT_EQ(from_rgb->at<cv::Vec3b>(0, 1), cv::Vec3b(255, 0, 0));  // blue
  EXPECT_EQ(MaxAbsDifference(*from_rgb, *from_bgr), 0);
}

TEST(ImageFromRawPixelsTest, ResultOwnsItsPixels) {
  auto raw = std::make_unique<v1::RawImage>(
      Raw(2, 1, v1::RawImage::BGR, std::string("\x01\x02\x03\x04\x05\x06", 6)));
  const absl::StatusOr<cv::Mat> image = ImageFromRawPixels(*raw, kLimit);
  ASSERT_TRUE(image.ok()) << image.status();
  raw.reset();  // the request is gone; the image must not point into it
  EXPECT_EQ(image->at<cv::Vec3b>(0, 1), cv::Vec3b(4, 5, 6));
}

TEST(ImageFromRawPixelsTest, GreyIsReplicatedToThreeChannels) {
  const absl::StatusOr<cv::Mat> image =
      ImageFromRawPixels(Raw(3, 2, v1::RawImage::GRAY, "\x01\x02\x03\x04\x05\x06"), kLimit);
  ASSERT_TRUE(image.ok()) << image.status();
  EXPECT_EQ(image->type(), CV_8UC3);
  EXPECT_EQ(image->at<cv::Vec3b>(1, 2), cv::Vec3b::all(6));
  EXPECT_EQ(image->at<cv::Vec3b>(0, 1), cv::Vec3b::all(2));
}

TEST(ImageFromRawPixelsTest, BadInputs) {
  const auto code = [](const v1::RawImage& raw) {
    return ImageFromRawPixels(raw, kLimit).status().code();
  };
  EXPECT_EQ(code(Raw(1, 1, v1::RawImage::PIXEL_FORMAT_UNSPECIFIED, "abc")),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Raw(1, 1, static_cast<v1::RawImage::PixelFormat>(7), "abc")),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Raw(0, 1, v1::RawImage::RGB, "")), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(code(Raw(1, -1, v1::RawImage::RGB, "")), absl::StatusCode::kInvalidArgument);

  const absl::Status short_buffer =
      ImageFromRawPixels(Raw(2, 1, v1::RawImage::RGB, "abcde"), kLimit).status();
  EXPECT_EQ(short_buffer.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(short_buffer.message(), HasSubstr("is 5 bytes"));
  EXPECT_THAT(short_buffer.message(), HasSubstr("needs exactly 6"));
  EXPECT_EQ(code(Raw(2, 1, v1::RawImage::GRAY, "abc")), absl::StatusCode::kInvalidArgument);

  // The limit is checked before the buffer: a huge claim with no pixels is RESOURCE_EXHAUSTED.
  const absl::Status huge =
      ImageFromRawPixels(Raw(20000, 20000, v1::RawImage::RGB, ""), kLimit).status();
  EXPECT_EQ(huge.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(huge.message(),
            "the image is 20000x20000 = 400000000 pixels; the limit (max_decoded_pixels) is "
            "40000000");
}

}  // namespace
}  // namespace itaclip::server
