// The variant of image_codecs.h that -DITACLIP_IMAGE_CODECS=OFF builds link: every operation is
// UNIMPLEMENTED with a message naming what needed codecs and the build option.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <opencv2/core.hpp>

#include "image_codecs/image_codecs.h"

namespace itaclip::image_codecs {
namespace {

using ::testing::HasSubstr;

void ExpectUnimplemented(const absl::Status& status, const std::string& what) {
  EXPECT_EQ(status.code(), absl::StatusCode::kUnimplemented) << status;
  EXPECT_THAT(status.message(), HasSubstr(what));
  EXPECT_THAT(status.message(), HasSubstr("-DITACLIP_IMAGE_CODECS=OFF"));
}

TEST(NoImageCodecsTest, NothingIsDecodedEncodedOrWritten) {
  EXPECT_FALSE(Available());
  const cv::Mat bytes(1, 4, CV_8UC1, cv::Scalar(0xff));
  ExpectUnimplemented(Decode(bytes, DecodeMode::kBgr).status(), "decoding an image");
  std::vector<uint8_t> out;
  const cv::Mat image(2, 2, CV_8UC1, cv::Scalar(1));
  ExpectUnimplemented(Encode(".png", image, &out).status(), "encoding a .png image");
  EXPECT_TRUE(out.empty());
  ExpectUnimplemented(Write("/tmp/never.png", image).status(), "writing the image /tmp/never.png");
  ExpectUnimplemented(Unavailable("a PNG label map"), "a PNG label map needs image codecs");
}

}  // namespace
}  // namespace itaclip::image_codecs
