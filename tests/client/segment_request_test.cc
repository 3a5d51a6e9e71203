// The SegmentRequest built from the command line's options: overrides, score format, image and
// vocabulary choice.
#include "client/commands/segment_request.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/test_paths.h"

namespace itaclip::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Pair;
using ::testing::UnorderedElementsAre;

TEST(ParseOverridesTest, KeyValuePairsWithSpacesTrimmed) {
  google::protobuf::Map<std::string, std::string> overrides;
  ASSERT_TRUE(
      ParseOverrides({"prob_thd=0.2", " pamr_steps = 0 ", "logit_scale=50"}, &overrides).ok());
  EXPECT_THAT(overrides, UnorderedElementsAre(Pair("prob_thd", "0.2"), Pair("pamr_steps", "0"),
                                              Pair("logit_scale", "50")));
}

TEST(ParseOverridesTest, ValueMayBeEmptyOrHoldEquals) {
  google::protobuf::Map<std::string, std::string> overrides;
  ASSERT_TRUE(ParseOverrides({"a=", "b=x=y"}, &overrides).ok());
  EXPECT_THAT(overrides, UnorderedElementsAre(Pair("a", ""), Pair("b", "x=y")));
}

TEST(ParseOverridesTest, MalformedPiecesAreRefused) {
  google::protobuf::Map<std::string, std::string> overrides;
  absl::Status status = ParseOverrides({"prob_thd"}, &overrides);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("\"prob_thd\" is not key=value"));
  EXPECT_THAT(ParseOverrides({"=3"}, &overrides).message(), HasSubstr("has no key"));
  overrides.clear();
  EXPECT_THAT(ParseOverrides({"a=1", "a=2"}, &overrides).message(), HasSubstr("a is given twice"));
}

TEST(ParseScoreFormatTest, TwoNamesOnly) {
  EXPECT_EQ(*ParseScoreFormat("float16"), v1::SCORE_FORMAT_FLOAT16);
  EXPECT_EQ(*ParseScoreFormat("float32"), v1::SCORE_FORMAT_FLOAT32);
  EXPECT_EQ(ParseScoreFormat("fp16").status().code(), absl::StatusCode::kInvalidArgument);
}

class SegmentRequestFromTest : public ::testing::Test {
 protected:
  void SetUp() override {
    image_ = itaclip::testing::ScratchDir() + "/image.jpg";
    // The request carries the file's bytes untouched: they need not be a valid image here.
    std::ofstream(image_, std::ios::binary) << std::string("\xff\xd8\x00jpeg", 7);
    options_.image = image_;
  }
  SegmentRequestOptions options_;
  std::string image_;
};

TEST_F(SegmentRequestFromTest, RegisteredVocabulary) {
  options_.vocabulary_id = "v-123";
  options_.preset = "context60";
  options_.overrides = {"prob_thd=0.1"};
  absl::StatusOr<v1::SegmentRequest> request = SegmentRequestFrom(options_, /*want_scores=*/true);
  ASSERT_TRUE(request.ok()) << request.status();
  EXPECT_EQ(request->encoded_image(), std::string("\xff\xd8\x00jpeg", 7));
  EXPECT_EQ(request->vocabulary_id(), "v-123");
  EXPECT_EQ(request->preset(), "context60");
  EXPECT_THAT(request->overrides(), UnorderedElementsAre(Pair("prob_thd", "0.1")));
  EXPECT_EQ(request->label_format(), v1::LABEL_FORMAT_PNG);
  EXPECT_EQ(request->score_format(), v1::SCORE_FORMAT_FLOAT16);
}

TEST_F(SegmentRequestFromTest, InlineVocabularyRawLabelsNoScores) {
  options_.vocabulary.class_names = "cat;dog, puppy";
  options_.raw_labels = true;
  options_.score_format = "float32";
  absl::StatusOr<v1::SegmentRequest> request = SegmentRequestFrom(options_, /*want_scores=*/false);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(request->has_inline_vocabulary());
  ASSERT_EQ(request->inline_vocabulary().classes_size(), 2);
  EXPECT_EQ(request->inline_vocabulary().classes(1).names(1), "puppy");
  EXPECT_EQ(request->preset(), "");  // the server's default preset
  EXPECT_EQ(request->label_format(), v1::LABEL_FORMAT_RAW);
  EXPECT_EQ(request->score_format(), v1::SCORE_FORMAT_NONE);
}

TEST_F(SegmentRequestFromTest, VocabularyMustBeOneOrTheOther) {
  EXPECT_THAT(SegmentRequestFrom(options_, false).status().message(),
              HasSubstr("--vocabulary ID, --classes FILE or --class_names LIST is required"));
  options_.vocabulary_id = "v-123";
  options_.vocabulary.class_names = "cat";
  EXPECT_THAT(SegmentRequestFrom(options_, false).status().message(), HasSubstr("not both"));
}

TEST_F(SegmentRequestFromTest, ImageProblems) {
  options_.vocabulary_id = "v-123";
  options_.image = "";
  EXPECT_THAT(SegmentRequestFrom(options_, false).status().message(),
              HasSubstr("--image is required"));
  options_.image = image_ + ".missing";
  EXPECT_EQ(SegmentRequestFrom(options_, false).status().code(), absl::StatusCode::kNotFound);
  std::ofstream(image_, std::ios::trunc);
  options_.image = image_;
  EXPECT_THAT(SegmentRequestFrom(options_, false).status().message(), HasSubstr("is empty"));
}

TEST_F(SegmentRequestFromTest, RawImageSizeSendsTheBytesAsBgrPixels) {
  options_.vocabulary_id = "v-123";
  const std::string pixels = "abcdefghijklmnopqr";  // 3 x 2 pixels x 3 bytes
  std::ofstream(image_, std::ios::binary | std::ios::trunc) << pixels;
  options_.raw_image_size = "3x2";
  absl::StatusOr<v1::SegmentRequest> request = SegmentRequestFrom(options_, false);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(request->has_raw_image());
  EXPECT_FALSE(request->has_encoded_image());
  EXPECT_EQ(request->raw_image().width(), 3);
  EXPECT_EQ(request->raw_image().height(), 2);
  EXPECT_EQ(request->raw_image().format(), v1::RawImage::BGR);
  EXPECT_EQ(request->raw_image().pixels(), pixels);
  // The byte count must be exactly width x height x 3.
  options_.raw_image_size = "2x2";
  EXPECT_THAT(SegmentRequestFrom(options_, false).status().message(),
              HasSubstr("has 18 bytes; 2x2 BGR pixels are 12"));
  for (const char* bad : {"3", "3x", "x2", "0x6", "3x-2", "axb", "3x2x1"}) {
    options_.raw_image_size = bad;
    const absl::Status status = SegmentRequestFrom(options_, false).status();
    EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_THAT(status.message(), HasSubstr("--raw_image_size must be WIDTHxHEIGHT")) << bad;
  }
}

TEST_F(SegmentRequestFromTest, BadScoreFormatOnlyMattersWithScores) {
  options_.vocabulary_id = "v-123";
  options_.score_format = "int8";
  EXPECT_TRUE(SegmentRequestFrom(options_, false).ok());
  EXPECT_EQ(SegmentRequestFrom(options_, true).status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace itaclip::client
