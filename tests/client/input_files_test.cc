// Reading the command's input files: bytes kept exactly, and distinct errors for each failure.
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>

#include "client/input/read_file.h"
#include "client/input/read_image.h"
#include "tests/testing/test_paths.h"

namespace itaclip::client {
namespace {

using ::testing::HasSubstr;

TEST(ReadFileToStringTest, KeepsEveryByte) {
  const std::string path = itaclip::testing::ScratchDir() + "/bytes";
  const std::string content("a\0b\r\n\xff", 6);
  std::ofstream(path, std::ios::binary) << content;
  absl::StatusOr<std::string> read = ReadFileToString(path, "test file");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
}

TEST(ReadFileToStringTest, MissingFileAndDirectory) {
  const absl::Status missing = ReadFileToString("/nonexistent/file", "token file").status();
  EXPECT_EQ(missing.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.message(),
              HasSubstr("cannot read token file /nonexistent/file: No such file or directory"));
  const std::string dir = itaclip::testing::ScratchDir();
  const absl::Status directory = ReadFileToString(dir, "image").status();
  EXPECT_EQ(directory.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(directory.message(), HasSubstr("is a directory"));
}

TEST(ReadImageTest, DecodesToBgrAndNamesUndecodableFiles) {
  const std::string dir = itaclip::testing::ScratchDir();
  cv::Mat image(2, 3, CV_8UC3, cv::Scalar(1, 2, 3));
  ASSERT_TRUE(cv::imwrite(dir + "/image.png", image));
  absl::StatusOr<cv::Mat> read = ReadImage(dir + "/image.png");
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(read->type(), CV_8UC3);
  EXPECT_EQ(read->at<cv::Vec3b>(1, 2), cv::Vec3b(1, 2, 3));

  std::ofstream(dir + "/text.png") << "not an image";
  EXPECT_THAT(ReadImage(dir + "/text.png").status().message(),
              HasSubstr("not an image format OpenCV can decode"));
  EXPECT_THAT(ReadImage(dir + "/missing.png").status().message(), HasSubstr("no such file"));
  EXPECT_EQ(DecodeImageBytes("", "empty.png").status().code(), absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace itaclip::client
