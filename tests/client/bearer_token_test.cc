// Where the bearer token comes from, and which tokens are refused (without printing them).
#include "client/connection/bearer_token.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <fstream>

#include "tests/testing/test_paths.h"

namespace itaclip::client {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

std::string TokenFile(const std::string& content) {
  const std::string path = itaclip::testing::ScratchDir() + "/token";
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

TEST(ResolveBearerTokenTest, FileWithFinalNewlineWinsOverEnvironment) {
  absl::StatusOr<std::string> token = ResolveBearerToken(TokenFile("s3cr3t-Token_1\n"), "from-env");
  ASSERT_TRUE(token.ok()) << token.status();
  EXPECT_EQ(*token, "s3cr3t-Token_1");
}

TEST(ResolveBearerTokenTest, EnvironmentWhenNoFile) {
  EXPECT_EQ(*ResolveBearerToken("", "from-env"), "from-env");
}

TEST(ResolveBearerTokenTest, NoTokenAtAll) {
  EXPECT_EQ(*ResolveBearerToken("", nullptr), "");
  EXPECT_EQ(*ResolveBearerToken("", ""), "");
}

TEST(ResolveBearerTokenTest, EmptyFileIsAnError) {
  const absl::Status status = ResolveBearerToken(TokenFile(" \n"), "from-env").status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("is empty"));
}

TEST(ResolveBearerTokenTest, MissingFileIsNotFound) {
  EXPECT_EQ(ResolveBearerToken("/nonexistent/token", nullptr).status().code(),
            absl::StatusCode::kNotFound);
}

TEST(ResolveBearerTokenTest, UnsendableTokensAreRefusedWithoutBeingShown) {
  const absl::Status inner_space = ResolveBearerToken(TokenFile("abc def\n"), nullptr).status();
  EXPECT_EQ(inner_space.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(inner_space.message(), HasSubstr("token file"));
  EXPECT_THAT(inner_space.message(), Not(HasSubstr("abc")));

  const absl::Status non_ascii = ResolveBearerToken("", "caf\xc3\xa9").status();
  EXPECT_EQ(non_ascii.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(non_ascii.message(), HasSubstr("$ITACLIP_TOKEN"));
  EXPECT_THAT(non_ascii.message(), Not(HasSubstr("caf")));
}

}  // namespace
}  // namespace itaclip::client
