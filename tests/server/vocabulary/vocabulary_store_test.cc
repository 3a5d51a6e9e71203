// The VocabularyStore contract, run against every implementation (memory, folder and Redis; the
// Redis one against a real redis-server on loopback, skipped only where none is installed).
#include "server/vocabulary/vocabulary_store.h"

#include <sys/stat.h>

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/vocabulary/folder_vocabulary_store.h"
#include "server/vocabulary/memory_vocabulary_store.h"
#include "server/vocabulary/redis_vocabulary_store.h"
#include "server/vocabulary/vocabulary_id.h"
#include "tests/server/vocabulary/redis_test_server.h"
#include "tests/server/vocabulary/test_vocabularies.h"
#include "tests/testing/test_paths.h"

namespace itaclip::server {
namespace {

using ::itaclip::server::testing::NumberedDefinition;
using ::itaclip::server::testing::RecordText;
using ::testing::ElementsAre;
using ::testing::Field;
using ::testing::HasSubstr;

// "voc-" followed by 32 hex digits whose last ones are `n` (so that ids sort like n).
std::string IdNumber(int n) { return absl::StrFormat("voc-%032x", n); }

VocabularyRecord Record(const std::string& id, const std::string& display_name) {
  VocabularyRecord record;
  record.id = id;
  record.display_name = display_name;
  record.definition = NumberedDefinition(static_cast<int>(display_name.size()));
  record.created_unix_ms = 1'700'000'000'000;
  return record;
}

struct StoreKind {
  std::string name;
  std::function<std::unique_ptr<VocabularyStore>()> open;
};

// One redis-server for the whole binary (started on first use, killed at exit); each test gets a
// key prefix of its own, so that it starts from an empty store. nullptr without redis-server.
std::unique_ptr<VocabularyStore> OpenRedisStoreForTest() {
  if (!testing::RedisServerInstalled()) return nullptr;
  static const std::unique_ptr<testing::RedisTestServer> redis = [] {
    const std::string dir = absl::StrCat(ITACLIP_BINARY_DIR, "/tests/redis-contract");
    ::mkdir(dir.c_str(), 0755);
    absl::StatusOr<std::unique_ptr<testing::RedisTestServer>> started =
        testing::RedisTestServer::Start(dir);
    EXPECT_TRUE(started.ok()) << started.status();
    return started.ok() ? *std::move(started) : nullptr;
  }();
  static std::atomic<int> tests{0};
  if (redis == nullptr) return nullptr;
  RedisStoreOptions options;
  options.address = redis->address();
  options.key_prefix = absl::StrCat("contract-", tests.fetch_add(1), ":");
  absl::StatusOr<std::unique_ptr<VocabularyStore>> store = OpenRedisVocabularyStore(options);
  EXPECT_TRUE(store.ok()) << store.status();
  return store.ok() ? *std::move(store) : nullptr;
}

class VocabularyStoreContractTest : public ::testing::TestWithParam<StoreKind> {
 protected:
  void SetUp() override {
    store_ = GetParam().open();
    // Only the Redis kind opens nothing without failing (no redis-server installed).
    if (store_ == nullptr && !HasFailure()) GTEST_SKIP() << "redis-server is not installed";
    ASSERT_NE(store_, nullptr);
  }
  std::unique_ptr<VocabularyStore> store_;
};

TEST_P(VocabularyStoreContractTest, PutThenGetReturnsTheRecord) {
  const VocabularyRecord record = Record(IdNumber(7), "pets");
  ASSERT_TRUE(store_->Put(record).ok());
  absl::StatusOr<VocabularyRecord> got = store_->Get(record.id);
  ASSERT_TRUE(got.ok()) << got.status();
  EXPECT_EQ(RecordText(*got), RecordText(record));
}

TEST_P(VocabularyStoreContractTest, MissingIdIsNotFound) {
  const absl::Status status = store_->Get(IdNumber(1)).status();
  EXPECT_EQ(status.code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("no vocabulary with id " + IdNumber(1)));
  EXPECT_EQ(store_->Delete(IdNumber(1)).code(), absl::StatusCode::kNotFound);
}

TEST_P(VocabularyStoreContractTest, PutReplaces) {
  ASSERT_TRUE(store_->Put(Record(IdNumber(3), "old")).ok());
  ASSERT_TRUE(store_->Put(Record(IdNumber(3), "new name")).ok());
  EXPECT_EQ(store_->Get(IdNumber(3))->display_name, "new name");
  EXPECT_EQ(*store_->Count(), 1);
}

TEST_P(VocabularyStoreContractTest, ListIsSortedById) {
  for (int n : {12, 3, 200, 5}) ASSERT_TRUE(store_->Put(Record(IdNumber(n), "x")).ok());
  absl::StatusOr<std::vector<VocabularyRecord>> list = store_->List();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_THAT(*list, ElementsAre(Field(&VocabularyRecord::id, IdNumber(3)),
                                 Field(&VocabularyRecord::id, IdNumber(5)),
                                 Field(&VocabularyRecord::id, IdNumber(12)),
                                 Field(&VocabularyRecord::id, IdNumber(200))));
  EXPECT_EQ(*store_->Count(), 4);
}

TEST_P(VocabularyStoreContractTest, DeleteRemoves) {
  ASSERT_TRUE(store_->Put(Record(IdNumber(1), "a")).ok());
  ASSERT_TRUE(store_->Put(Record(IdNumber(2), "b")).ok());
  ASSERT_TRUE(store_->Delete(IdNumber(1)).ok());
  EXPECT_EQ(store_->Get(IdNumber(1)).status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(store_->Delete(IdNumber(1)).code(), absl::StatusCode::kNotFound);
  EXPECT_THAT(*store_->List(), ElementsAre(Field(&VocabularyRecord::id, IdNumber(2))));
}

TEST_P(VocabularyStoreContractTest, MalformedIdsAreRefusedEverywhere) {
  for (const std::string& bad : {std::string("../x"), std::string("voc-../../etc/passwd"),
                                 std::string("/tmp/voc"), std::string("")}) {
    EXPECT_EQ(store_->Put(Record(bad, "x")).code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Get(bad).status().code(), absl::StatusCode::kInvalidArgument) << bad;
    EXPECT_EQ(store_->Delete(bad).code(), absl::StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_EQ(*store_->Count(), 0);
}

TEST_P(VocabularyStoreContractTest, ConcurrentPutsAllLand) {
  constexpr int kThreads = 8;
  constexpr int kPerThread = 10;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([this, t] {
      for (int i = 0; i < kPerThread; ++i) {
        EXPECT_TRUE(store_->Put(Record(IdNumber(t * kPerThread + i), "x")).ok());
        // Everyone also rewrites one shared record: last writer wins, never a torn record.
        EXPECT_TRUE(store_->Put(Record(IdNumber(1000), "shared")).ok());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(*store_->Count(), kThreads * kPerThread + 1);
  absl::StatusOr<std::vector<VocabularyRecord>> list = store_->List();
  ASSERT_TRUE(list.ok()) << list.status();
  EXPECT_EQ(list->size(), static_cast<size_t>(kThreads * kPerThread + 1));
  EXPECT_EQ(store_->Get(IdNumber(1000))->display_name, "shared");
}

INSTANTIATE_TEST_SUITE_P(
    AllStores, VocabularyStoreContractTest,
    ::testing::Values(StoreKind{"memory", [] { return MakeMemoryVocabularyStore(); }},
                      StoreKind{"folder",
                                [] {
                                  auto store = OpenFolderVocabularyStore(
                                      itaclip::testing::ScratchDir() + "/store");
                                  EXPECT_TRUE(store.ok()) << store.status();
                                  return store.ok() ? *std::move(store) : nullptr;
                                }},
                      StoreKind{"redis", [] { return OpenRedisStoreForTest(); }}),
    [](const ::testing::TestParamInfo<StoreKind>& info) { return info.param.name; });

TEST(MemoryVocabularyStoreTest, DescribesItself) {
  EXPECT_EQ(MakeMemoryVocabularyStore()->Describe(), "memory");
}

}  // namespace
}  // namespace itaclip::server
