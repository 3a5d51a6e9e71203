// The shared Redis store in the server config: its defaults, the file and flag settings, and what
// validation refuses (both stores at once, a bad address, a bad timeout).
#include <fstream>
#include <string>

#include "absl/flags/flag.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/config/load_server_config.h"
#include "server/config/server_flags.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

// A config that validates: the defaults plus the two required model paths.
v1::ServerConfig ValidConfig() {
  v1::ServerConfig config = DefaultServerConfig();
  config.mutable_model()->set_checkpoint("/m/ViT-B-16.pt");
  config.mutable_model()->set_bpe_vocabulary("/m/bpe.txt.gz");
  return config;
}

TEST(RedisConfigTest, RedisIsOffByDefaultWithDocumentedPrefixAndTimeout) {
  const v1::ServerConfig config = DefaultServerConfig();
  const v1::RedisConfig& redis = config.vocabulary().redis();
  EXPECT_EQ(redis.address(), "");
  EXPECT_EQ(redis.key_prefix(), "itaclip:");
  EXPECT_EQ(redis.timeout_seconds(), 2.0);
  EXPECT_TRUE(ValidateServerConfig(ValidConfig()).ok());
}

TEST(RedisConfigTest, AnAddressAloneValidates) {
  v1::ServerConfig config = ValidConfig();
  config.mutable_vocabulary()->mutable_redis()->set_address("itaclip-redis:6379");
  EXPECT_TRUE(ValidateServerConfig(config).ok()) << ValidateServerConfig(config);
}

TEST(RedisConfigTest, RedisAndAStoreFolderTogetherAreRefused) {
  v1::ServerConfig config = ValidConfig();
  config.mutable_vocabulary()->mutable_redis()->set_address("itaclip-redis:6379");
  config.mutable_vocabulary()->set_store_dir("/var/lib/itaclip/vocabularies");
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("vocabulary.store_dir and vocabulary.redis.address"));
}

TEST(RedisConfigTest, BadAddressesAndTimeoutsAreNamed) {
  v1::ServerConfig config = ValidConfig();
  config.mutable_vocabulary()->mutable_redis()->set_address("itaclip-redis");
  config.mutable_vocabulary()->mutable_redis()->set_timeout_seconds(0);
  const absl::Status status = ValidateServerConfig(config);
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(),
              HasSubstr("vocabulary.redis.address: redis address \"itaclip-redis\""));
  EXPECT_THAT(status.message(), HasSubstr("vocabulary.redis.timeout_seconds must be > 0"));
}

TEST(RedisConfigTest, ATimeoutIsOnlyCheckedWhenRedisIsUsed) {
  v1::ServerConfig config = ValidConfig();
  config.mutable_vocabulary()->mutable_redis()->set_timeout_seconds(-1);
  EXPECT_TRUE(ValidateServerConfig(config).ok());
}

class RedisFlagsTest : public itaclip::testing::ScratchDirTest {
 protected:
  void SetUp() override {
    ScratchDirTest::SetUp();
    Reset();
  }
  void TearDown() override { Reset(); }
  static void Reset() {
    for (absl::Flag<std::string>* flag :
         {&FLAGS_config, &FLAGS_checkpoint, &FLAGS_bpe_vocabulary, &FLAGS_store_dir,
          &FLAGS_redis_address, &FLAGS_redis_key_prefix}) {
      absl::SetFlag(flag, "");
    }
  }
};

TEST_F(RedisFlagsTest, FileSetsRedisAndFlagsOverrideIt) {
  const std::string path = ScratchPath("server.textproto");
  std::ofstream(path) << R"pb(
    model { checkpoint: "/m/ViT-B-16.pt" bpe_vocabulary: "/m/bpe.txt.gz" }
    vocabulary { redis { address: "file-redis:6379" key_prefix: "file:" timeout_seconds: 0.5 } }
  )pb";
  absl::SetFlag(&FLAGS_config, path);
  absl::StatusOr<v1::ServerConfig> from_file = ServerConfigFromFlags();
  ASSERT_TRUE(from_file.ok()) << from_file.status();
  EXPECT_EQ(from_file->vocabulary().redis().address(), "file-redis:6379");
  EXPECT_EQ(from_file->vocabulary().redis().key_prefix(), "file:");
  EXPECT_EQ(from_file->vocabulary().redis().timeout_seconds(), 0.5);

  absl::SetFlag(&FLAGS_redis_address, "flag-redis:7000");
  absl::SetFlag(&FLAGS_redis_key_prefix, "flag:");
  absl::StatusOr<v1::ServerConfig> overridden = ServerConfigFromFlags();
  ASSERT_TRUE(overridden.ok()) << overridden.status();
  EXPECT_EQ(overridden->vocabulary().redis().address(), "flag-redis:7000");
  EXPECT_EQ(overridden->vocabulary().redis().key_prefix(), "flag:");
  EXPECT_EQ(overridden->vocabulary().redis().timeout_seconds(), 0.5);  // untouched
}

TEST_F(RedisFlagsTest, RedisAddressFlagWithStoreDirFlagIsRefused) {
  absl::SetFlag(&FLAGS_checkpoint, "/m/ViT-B-16.pt");
  absl::SetFlag(&FLAGS_bpe_vocabulary, "/m/bpe.txt.gz");
  absl::SetFlag(&FLAGS_redis_address, "127.0.0.1:6379");
  EXPECT_TRUE(ServerConfigFromFlags().ok());
  absl::SetFlag(&FLAGS_store_dir, "/var/lib/itaclip/vocabularies");
  const absl::Status status = ServerConfigFromFlags().status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("choose one store"));
}

TEST(RedisConfigExampleTest, TheExampleConfigDocumentsTheRedisBlock) {
  std::ifstream file(std::string(ITACLIP_SOURCE_DIR) + "/configs/server/itaclip-server.textproto");
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  for (const char* field : {"redis {", "address:", "key_prefix:", "timeout_seconds:",
                            "--redis_address", "--redis_key_prefix"}) {
    EXPECT_THAT(text, HasSubstr(field));
  }
  EXPECT_THAT(text, Not(HasSubstr("\nredis")));  // commented out: the example uses store_dir
}

}  // namespace
}  // namespace itaclip::server
