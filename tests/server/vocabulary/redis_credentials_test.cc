// LoadRedisCredentials: files first, then the environment, the first line only, and errors that
// name the file but never its content.
#include "server/vocabulary/redis_credentials.h"

#include <cstdlib>
#include <fstream>
#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/testing/test_paths.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// Writes `content` to `dir`/`name` and returns the path.
std::string WriteFile(const std::string& dir, const std::string& name, const std::string& content) {
  const std::string path = dir + "/" + name;
  std::ofstream(path, std::ios::binary) << content;
  return path;
}

class RedisCredentialsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ::unsetenv(kRedisUsernameEnv);
    ::unsetenv(kRedisPasswordEnv);
  }
  void TearDown() override { SetUp(); }
};

TEST_F(RedisCredentialsTest, NothingSetMeansNoAuth) {
  absl::StatusOr<RedisCredentials> credentials = LoadRedisCredentials(v1::RedisConfig());
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->username, "");
  EXPECT_EQ(credentials->password, "");
}

TEST_F(RedisCredentialsTest, FilesGiveTheirFirstLineAndWinOverTheEnvironment) {
  ::setenv(kRedisPasswordEnv, "from-env", 1);
  ::setenv(kRedisUsernameEnv, "env-user", 1);
  const std::string dir = itaclip::testing::ScratchDir();
  v1::RedisConfig config;
  config.set_password_file(WriteFile(dir, "password", "pa ss\r\nsecond line\n"));
  config.set_username_file(WriteFile(dir, "username", "alice\n"));
  absl::StatusOr<RedisCredentials> credentials = LoadRedisCredentials(config);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->password, "pa ss");
  EXPECT_EQ(credentials->username, "alice");
}

TEST_F(RedisCredentialsTest, TheEnvironmentIsReadWhenNoFileIsNamed) {
  ::setenv(kRedisPasswordEnv, "from-env", 1);
  absl::StatusOr<RedisCredentials> credentials = LoadRedisCredentials(v1::RedisConfig());
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_EQ(credentials->password, "from-env");
  EXPECT_EQ(credentials->username, "");
}

TEST_F(RedisCredentialsTest, ErrorsNameTheFileNotItsContent) {
  const std::string dir = itaclip::testing::ScratchDir();
  v1::RedisConfig config;
  config.set_password_file(dir + "/missing");
  absl::Status status = LoadRedisCredentials(config).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("vocabulary.redis.password_file"));
  EXPECT_THAT(status.message(), HasSubstr("missing"));

  config.set_password_file(WriteFile(dir, "empty-first-line", "\nthe-secret\n"));
  status = LoadRedisCredentials(config).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("is empty"));
  EXPECT_THAT(status.message(), Not(HasSubstr("the-secret")));

  v1::RedisConfig user_only;
  user_only.set_username_file(WriteFile(dir, "user", "alice"));
  status = LoadRedisCredentials(user_only).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("without a password"));
}

}  // namespace
}  // namespace itaclip::server
