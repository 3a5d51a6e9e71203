// OpenVocabularyStore picks Redis, a folder or memory from the config, and refuses both at once.
#include "server/vocabulary/open_vocabulary_store.h"

#include <memory>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/vocabulary/redis_test_server.h"
#include "tests/testing/test_paths.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;

TEST(OpenVocabularyStoreTest, NothingSetIsMemory) {
  absl::StatusOr<std::unique_ptr<VocabularyStore>> store = OpenVocabularyStore({});
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), "memory");
  EXPECT_TRUE((*store)->Ping().ok());
}

TEST(OpenVocabularyStoreTest, StoreDirIsAFolder) {
  v1::VocabularyConfig config;
  const std::string dir = itaclip::testing::ScratchDir() + "/store";
  config.set_store_dir(dir);
  absl::StatusOr<std::unique_ptr<VocabularyStore>> store = OpenVocabularyStore(config);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), "folder " + dir);
  EXPECT_TRUE((*store)->Ping().ok());
}

TEST(OpenVocabularyStoreTest, AFolderThatWentAwayFailsPing) {
  v1::VocabularyConfig config;
  const std::string dir = itaclip::testing::ScratchDir() + "/store";
  config.set_store_dir(dir);
  absl::StatusOr<std::unique_ptr<VocabularyStore>> store = OpenVocabularyStore(config);
  ASSERT_TRUE(store.ok()) << store.status();
  ASSERT_EQ(::rmdir(dir.c_str()), 0);
  const absl::Status status = (*store)->Ping();
  EXPECT_FALSE(status.ok());
  EXPECT_THAT(status.message(), HasSubstr(dir));
}

TEST(OpenVocabularyStoreTest, RedisAddressIsRedisWithItsPrefix) {
  if (!testing::RedisServerInstalled()) GTEST_SKIP() << "redis-server is not installed";
  absl::StatusOr<std::unique_ptr<testing::RedisTestServer>> redis =
      testing::RedisTestServer::Start(itaclip::testing::ScratchDir());
  ASSERT_TRUE(redis.ok()) << redis.status();
  v1::VocabularyConfig config;
  config.mutable_redis()->set_address((*redis)->address());
  config.mutable_redis()->set_key_prefix("p:");
  config.mutable_redis()->set_timeout_seconds(1);
  absl::StatusOr<std::unique_ptr<VocabularyStore>> store = OpenVocabularyStore(config);
  ASSERT_TRUE(store.ok()) << store.status();
  EXPECT_EQ((*store)->Describe(), "redis " + (*redis)->address());
  EXPECT_TRUE((*store)->Ping().ok());
  EXPECT_EQ((*store)->Count().value_or(-1), 0);
  absl::StatusOr<std::unique_ptr<testing::RawRedis>> raw =
      testing::RawRedis::Connect((*redis)->port());
  ASSERT_TRUE(raw.ok());
  (*raw)->Command({"SADD", "p:vocabs", "voc-00000000000000000000000000000001"});
  EXPECT_EQ((*store)->Count().value_or(-1), 1);  // the configured prefix is the one used
}

TEST(OpenVocabularyStoreTest, BothStoresAreRefused) {
  v1::VocabularyConfig config;
  config.set_store_dir("/tmp/x");
  config.mutable_redis()->set_address("127.0.0.1:6379");
  config.mutable_redis()->set_timeout_seconds(1);
  const absl::Status status = OpenVocabularyStore(config).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("choose one store"));
}

}  // namespace
}  // namespace itaclip::server
