#include "core/text/read_text_file.h"

#include <fstream>
#include <string>

#include "absl/status/status.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"

namespace itaclip::text {
namespace {

using ::testing::HasSubstr;

TEST(ReadTextFileTest, ReturnsTheBytesUnchanged) {
  const std::string path = testing::ScratchDir() + "/bytes.txt";
  const std::string content("line\r\nwith\0nul\n\xC3\xA9", 17);
  {
    std::ofstream out(path, std::ios::binary);
    out << content;
  }
  const absl::StatusOr<std::string> read = ReadTextFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, content);
}

TEST(ReadTextFileTest, ReadsAnEmptyFile) {
  const std::string path = testing::ScratchDir() + "/empty.txt";
  std::ofstream(path).close();
  const absl::StatusOr<std::string> read = ReadTextFile(path);
  ASSERT_TRUE(read.ok()) << read.status();
  EXPECT_EQ(*read, "");
}

TEST(ReadTextFileTest, MissingFileIsNotFoundAndDirectoryIsInvalid) {
  const std::string dir = testing::ScratchDir();
  const absl::StatusOr<std::string> missing = ReadTextFile(dir + "/missing.txt");
  EXPECT_EQ(missing.status().code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr(dir + "/missing.txt"));
  const absl::StatusOr<std::string> directory = ReadTextFile(dir);
  EXPECT_EQ(directory.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(directory.status().message(), HasSubstr(dir));
}

}  // namespace
}  // namespace itaclip::text
