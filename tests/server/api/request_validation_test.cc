// ValidateSegmentRequest and ResolvePipelineParams: every refusal and its code, the pixel limit
// read from an encoded header before any decoding, and preset + override resolution.
#include "server/api/request_validation.h"

#include <cstdint>
#include <map>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <vector>

#include "core/pipeline/preset_file.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"

namespace itaclip::server {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::Not;

// --- Encoded images built by hand ----------------------------------------------------------------

void PutBigEndian32(std::string& out, uint32_t value) {
  for (int shift = 24; shift >= 0; shift -= 8) out.push_back(static_cast<char>(value >> shift));
}

// CRC-32 as PNG defines it (ISO/IEC 15948 annex D: reflected polynomial 0xEDB88320, initial and
// final XOR 0xFFFFFFFF), bit by bit.
uint32_t PngCrc32(const std::string& bytes) {
  uint32_t crc = 0xFFFFFFFFu;
  for (char c : bytes) {
    crc ^= static_cast<uint8_t>(c);
    for (int bit = 0; bit < 8; ++bit) crc = (crc >> 1) ^ (0xEDB88320u & (0u - (crc & 1u)));
  }
  return crc ^ 0xFFFFFFFFu;
}

// The PNG signature and an IHDR chunk of an 8-bit RGB image of `width` x `height`: all that a
// header reader needs, and no pixel data at all.
std::string PngHeader(uint32_t width, uint32_t height) {
  std::string chunk = "IHDR";
  PutBigEndian32(chunk, width);
  PutBigEndian32(chunk, height);
  chunk += std::string("\x08\x02\x00\x00\x00", 5);  // depth 8, colour type 2, methods 0
  std::string png("\x89PNG\r\n\x1a\n", 8);
  PutBigEndian32(png, 13);
  png += chunk;
  PutBigEndian32(png, PngCrc32(chunk));
  return png;
}

TEST(PngHeaderTest, MatchesTheHeaderOpenCvWrites) {
  // Guards the hand-built header used below: OpenCV's PNG of an 8-bit BGR image starts with the
  // same 33 bytes (signature, IHDR with its CRC).
  std::vector<uchar> encoded;
  ASSERT_TRUE(cv::imencode(".png", cv::Mat(7, 300, CV_8UC3, cv::Scalar(1, 2, 3)), encoded));
  ASSERT_GE(encoded.size(), 33u);
  EXPECT_EQ(std::string(encoded.begin(), encoded.begin() + 33), PngHeader(300, 7));
}

// --- ValidateSegmentRequest
// -----------------------------------------------------------------------

Limits SmallLimits() {
  Limits limits;
  limits.max_decoded_pixels = 6000;
  limits.max_classes = 2;
  return limits;
}

v1::VocabularyDefinition TwoClasses() {
  v1::VocabularyDefinition definition;
  definition.add_classes()->add_names("background");
  definition.add_classes()->add_names("cat");
  return definition;
}

// A request that passes: a 100 x 60 PNG header (6000 pixels, at the limit) and a vocabulary id.
v1::SegmentRequest ValidRequest() {
  v1::SegmentRequest request;
  request.set_encoded_image(PngHeader(100, 60));
  request.set_vocabulary_id("some-id");
  return request;
}

v1::RawImage Raw(int width, int height, v1::RawImage::PixelFormat format, size_t bytes) {
  v1::RawImage raw;
  raw.set_width(width);
  raw.set_height(height);
  raw.set_format(format);
  raw.set_pixels(std::string(bytes, '\x7f'));
  return raw;
}

TEST(ValidateSegmentRequestTest, AcceptsAnImageAtTheLimitAndAVocabularyId) {
  EXPECT_TRUE(ValidateSegmentRequest(ValidRequest(), SmallLimits()).ok());
}

TEST(ValidateSegmentRequestTest, RefusesARequestWithoutAnImage) {
  v1::SegmentRequest request = ValidRequest();
  request.clear_encoded_image();
  absl::Status status = ValidateSegmentRequest(request, SmallLimits()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("no image"));
}

TEST(ValidateSegmentRequestTest, RefusesAnEmptyEncodedImage) {
  v1::SegmentRequest request = ValidRequest();
  request.set_encoded_image("");
  absl::Status status = ValidateSegmentRequest(request, SmallLimits()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("empty"));
}

TEST(ValidateSegmentRequestTest, RefusesBytesThatAreNoKnownImageFormat) {
  v1::SegmentRequest request = ValidRequest();
  request.set_encoded_image("GIF89a and then some");
  EXPECT_EQ(ValidateSegmentRequest(request, SmallLimits()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateSegmentRequestTest, RefusesAHugeImageFromItsHeaderAlone) {
  // 33 bytes claiming 100000 x 100000: refused before anything is decoded.
  v1::SegmentRequest request = ValidRequest();
  request.set_encoded_image(PngHeader(100000, 100000));
  absl::Status status = ValidateSegmentRequest(request, Limits()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("max_decoded_pixels"), HasSubstr("40000000"),
                                      HasSubstr("10000000000")));
  // One pixel row over the small limit.
  request.set_encoded_image(PngHeader(100, 61));
  EXPECT_EQ(ValidateSegmentRequest(request, SmallLimits()).status().code(),
            absl::StatusCode::kResourceExhausted);
}

TEST(ValidateSegmentRequestTest, AcceptsWellFormedRawImages) {
  v1::SegmentRequest request = ValidRequest();
  *request.mutable_raw_image() = Raw(100, 60, v1::RawImage::RGB, 100 * 60 * 3);
  EXPECT_TRUE(ValidateSegmentRequest(request, SmallLimits()).ok());
  *request.mutable_raw_image() = Raw(10, 6, v1::RawImage::GRAY, 60);
  EXPECT_TRUE(ValidateSegmentRequest(request, SmallLimits()).ok());
}

TEST(ValidateSegmentRequestTest, RefusesRawImagesWithANonPositiveSize) {
  v1::SegmentRequest request = ValidRequest();
  *request.mutable_raw_image() = Raw(0, 60, v1::RawImage::RGB, 0);
  absl::Status status = ValidateSegmentRequest(request, SmallLimits()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("0x60"));
  *request.mutable_raw_image() = Raw(10, -6, v1::RawImage::RGB, 0);
  EXPECT_EQ(ValidateSegmentRequest(request, SmallLimits()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateSegmentRequestTest, RefusesRawPixelsOfTheWrongLength) {
  v1::SegmentRequest request = ValidRequest();
  // 10 x 6 RGB needs 180 bytes.
  *request.mutable_raw_image() = Raw(10, 6, v1::RawImage::RGB, 179);
  absl::Status status = ValidateSegmentRequest(request, SmallLimits()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("179"), HasSubstr("180")));
  *request.mutable_raw_image() = Raw(10, 6, v1::RawImage::GRAY, 180);
  EXPECT_EQ(ValidateSegmentRequest(request, SmallLimits()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateSegmentRequestTest, RefusesRawPixelsWithoutAFormat) {
  v1::SegmentRequest request = ValidRequest();
  *request.mutable_raw_image() = Raw(10, 6, v1::RawImage::PIXEL_FORMAT_UNSPECIFIED, 180);
  absl::Status status = ValidateSegmentRequest(request, SmallLimits()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("format"));
}

TEST(ValidateSegmentRequestTest, RefusesARawImageOverThePixelLimit) {
  v1::SegmentRequest request = ValidRequest();
  // The size is refused whatever the buffer: a client must not be asked to send 6 MB to hear it.
  *request.mutable_raw_image() = Raw(1000, 1000, v1::RawImage::RGB, 0);
  absl::Status status = ValidateSegmentRequest(request, SmallLimits()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("max_decoded_pixels"));
}

TEST(ValidateSegmentRequestTest, RefusesARequestWithoutAVocabulary) {
  v1::SegmentRequest request = ValidRequest();
  request.clear_vocabulary_id();
  absl::Status status = ValidateSegmentRequest(request, SmallLimits()).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("no vocabulary"));
  request.set_vocabulary_id("");
  EXPECT_EQ(ValidateSegmentRequest(request, SmallLimits()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateSegmentRequestTest, ValidatesAnInlineVocabularyAgainstTheLimits) {
  v1::SegmentRequest request = ValidRequest();
  *request.mutable_inline_vocabulary() = TwoClasses();
  absl::StatusOr<ValidatedSegment> validated = ValidateSegmentRequest(request, SmallLimits());
  ASSERT_TRUE(validated.ok()) << validated.status();
  // Handed on in the domain's form, for the executor.
  ASSERT_TRUE(validated->inline_vocabulary.has_value());
  EXPECT_EQ(validated->inline_vocabulary->spec.classes.size(), 2u);

  request.mutable_inline_vocabulary()->add_classes()->add_names("dog");  // 3 > max_classes = 2
  EXPECT_EQ(ValidateSegmentRequest(request, SmallLimits()).status().code(),
            absl::StatusCode::kInvalidArgument);

  *request.mutable_inline_vocabulary() = TwoClasses();
  request.mutable_inline_vocabulary()->mutable_classes(1)->set_names(0, "   ");
  EXPECT_EQ(ValidateSegmentRequest(request, SmallLimits()).status().code(),
            absl::StatusCode::kInvalidArgument);

  request.mutable_inline_vocabulary()->clear_classes();
  EXPECT_EQ(ValidateSegmentRequest(request, SmallLimits()).status().code(),
            absl::StatusCode::kInvalidArgument);
}

TEST(ValidateSegmentRequestTest, ChecksTheImageBeforeTheVocabulary) {
  v1::SegmentRequest request;
  request.set_encoded_image(PngHeader(100000, 100000));
  EXPECT_EQ(ValidateSegmentRequest(request, SmallLimits()).status().code(),
            absl::StatusCode::kResourceExhausted);
}

// --- ResolvePipelineParams
// ------------------------------------------------------------------------

pipeline::PipelineParams Preset(const std::string& name) {
  absl::StatusOr<pipeline::PipelineParams> params =
      pipeline::LoadPreset(itaclip::testing::SourcePath("configs/presets"), name);
  EXPECT_TRUE(params.ok()) << params.status();
  return *params;
}

std::map<std::string, pipeline::PipelineParams> Presets() {
  return {{"voc21", Preset("voc21")}, {"cityscapes", Preset("cityscapes")}};
}

// Every field, so that a test sees any change an override made (or did not make).
void ExpectSameParams(const pipeline::PipelineParams& a, const pipeline::PipelineParams& b) {
  EXPECT_EQ(a.short_side, b.short_side);
  EXPECT_EQ(a.long_side_limit, b.long_side_limit);
  EXPECT_EQ(a.crop_size, b.crop_size);
  EXPECT_EQ(a.stride, b.stride);
  EXPECT_EQ(a.background_first, b.background_first);
  EXPECT_EQ(a.def_coefficient, b.def_coefficient);
  EXPECT_EQ(a.img_eng_coefficient, b.img_eng_coefficient);
  EXPECT_EQ(a.logit_scale, b.logit_scale);
  EXPECT_EQ(a.prob_thd, b.prob_thd);
  EXPECT_EQ(a.area_thd, b.area_thd);
  EXPECT_EQ(a.pamr_steps, b.pamr_steps);
  EXPECT_EQ(a.pamr_dilations, b.pamr_dilations);
  EXPECT_EQ(a.width_chunk_size, b.width_chunk_size);
}

TEST(ResolvePipelineParamsTest, AnEmptyPresetMeansTheDefaultOne) {
  absl::StatusOr<pipeline::PipelineParams> params =
      ResolvePipelineParams(v1::SegmentRequest(), Presets(), "cityscapes", Limits());
  ASSERT_TRUE(params.ok()) << params.status();
  ExpectSameParams(*params, Preset("cityscapes"));
  EXPECT_EQ(params->short_side, 560);  // spec §6: Cityscapes resizes to a 560 short side
}

TEST(ResolvePipelineParamsTest, ANamedPresetIsUsed) {
  v1::SegmentRequest request;
  request.set_preset("voc21");
  absl::StatusOr<pipeline::PipelineParams> params =
      ResolvePipelineParams(request, Presets(), "cityscapes", Limits());
  ASSERT_TRUE(params.ok()) << params.status();
  ExpectSameParams(*params, Preset("voc21"));
}

TEST(ResolvePipelineParamsTest, AnUnknownPresetListsTheKnownOnes) {
  v1::SegmentRequest request;
  request.set_preset("ade20k");
  absl::StatusOr<pipeline::PipelineParams> params =
      ResolvePipelineParams(request, Presets(), "voc21", Limits());
  EXPECT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(params.status().message(),
              AllOf(HasSubstr("'ade20k'"), HasSubstr("cityscapes, voc21")));
}

TEST(ResolvePipelineParamsTest, OverridesChangeOnlyTheirFields) {
  v1::SegmentRequest request;
  request.set_preset("voc21");
  (*request.mutable_overrides())["prob_thd"] = "0.25";
  (*request.mutable_overrides())["pamr_steps"] = "0";
  (*request.mutable_overrides())["area_thd"] = "none";
  absl::StatusOr<pipeline::PipelineParams> params =
      ResolvePipelineParams(request, Presets(), "voc21", Limits());
  ASSERT_TRUE(params.ok()) << params.status();
  pipeline::PipelineParams expected = Preset("voc21");
  ASSERT_NE(expected.prob_thd, 0.25);
  ASSERT_NE(expected.pamr_steps, 0);
  ASSERT_TRUE(expected.area_thd.has_value());
  expected.prob_thd = 0.25;
  expected.pamr_steps = 0;
  expected.area_thd.reset();
  ExpectSameParams(*params, expected);
}

TEST(ResolvePipelineParamsTest, RefusesABadValueOrAnUnknownKeyNamingIt) {
  v1::SegmentRequest request;
  (*request.mutable_overrides())["prob_thd"] = "high";
  absl::StatusOr<pipeline::PipelineParams> params =
      ResolvePipelineParams(request, Presets(), "voc21", Limits());
  EXPECT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(params.status().message(), HasSubstr("prob_thd"));

  request.mutable_overrides()->clear();
  (*request.mutable_overrides())["prob_thd"] = "1.5";  // outside [0, 1]
  EXPECT_EQ(ResolvePipelineParams(request, Presets(), "voc21", Limits()).status().code(),
            absl::StatusCode::kInvalidArgument);

  request.mutable_overrides()->clear();
  (*request.mutable_overrides())["colour"] = "red";
  params = ResolvePipelineParams(request, Presets(), "voc21", Limits());
  EXPECT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(params.status().message(), HasSubstr("colour"));
}

TEST(ResolvePipelineParamsTest, RefusesTheTextSideKeys) {
  for (const char* key : {"background_first", "def_coefficient"}) {
    v1::SegmentRequest request;
    (*request.mutable_overrides())[key] = key == std::string("background_first") ? "false" : "0.1";
    absl::StatusOr<pipeline::PipelineParams> params =
        ResolvePipelineParams(request, Presets(), "voc21", Limits());
    EXPECT_EQ(params.status().code(), absl::StatusCode::kInvalidArgument) << key;
    EXPECT_THAT(params.status().message(), AllOf(HasSubstr(key), HasSubstr("vocabulary")));
  }
}

TEST(ResolvePipelineParamsTest, TheOrderOfOverridesDoesNotMatter) {
  // stride 300 alone would exceed voc21's crop_size 224; with crop_size 400 the pair is valid, in
  // whichever order the map yields them.
  v1::SegmentRequest stride_first, crop_first;
  (*stride_first.mutable_overrides())["stride"] = "300";
  (*stride_first.mutable_overrides())["crop_size"] = "400";
  (*crop_first.mutable_overrides())["crop_size"] = "400";
  (*crop_first.mutable_overrides())["stride"] = "300";
  absl::StatusOr<pipeline::PipelineParams> a =
      ResolvePipelineParams(stride_first, Presets(), "voc21", Limits());
  absl::StatusOr<pipeline::PipelineParams> b =
      ResolvePipelineParams(crop_first, Presets(), "voc21", Limits());
  ASSERT_TRUE(a.ok()) << a.status();
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(a->stride, 300);
  EXPECT_EQ(a->crop_size, 400);
  ExpectSameParams(*a, *b);

  // Two bad entries: the same one is reported whatever the order.
  v1::SegmentRequest bad_1, bad_2;
  (*bad_1.mutable_overrides())["zeta"] = "1";
  (*bad_1.mutable_overrides())["alpha"] = "1";
  (*bad_2.mutable_overrides())["alpha"] = "1";
  (*bad_2.mutable_overrides())["zeta"] = "1";
  absl::Status status_1 = ResolvePipelineParams(bad_1, Presets(), "voc21", Limits()).status();
  absl::Status status_2 = ResolvePipelineParams(bad_2, Presets(), "voc21", Limits()).status();
  EXPECT_EQ(status_1.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(status_1, status_2);
  EXPECT_THAT(status_1.message(), AllOf(HasSubstr("alpha"), Not(HasSubstr("zeta"))));
}

}  // namespace
}  // namespace itaclip::server
