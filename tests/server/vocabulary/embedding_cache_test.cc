// The LRU under a byte budget, worked out by hand with entries of known sizes.
#include "server/vocabulary/embedding_cache.h"

#include <ATen/ATen.h>

#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace itaclip::server {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;

// Embeddings of `rows` x 10 float32 values: 40 bytes per row.
std::shared_ptr<const text::QueryEmbeddings> Rows(int rows, float fill = 1.0f) {
  auto embeddings = std::make_shared<text::QueryEmbeddings>();
  embeddings->embeddings = at::full({rows, 10}, fill, at::kFloat);
  embeddings->query_class.assign(rows, 0);
  embeddings->class_names = {"c"};
  return embeddings;
}

TEST(EmbeddingBytesTest, IsElementCountTimesElementSize) {
  text::QueryEmbeddings q;
  EXPECT_EQ(EmbeddingBytes(q), 0);  // undefined tensor
  q.embeddings = at::zeros({3, 4}, at::kFloat);
  EXPECT_EQ(EmbeddingBytes(q), 3 * 4 * 4);
  q.embeddings = at::zeros({3, 4}, at::kHalf);
  EXPECT_EQ(EmbeddingBytes(q), 3 * 4 * 2);
}

TEST(EmbeddingCacheTest, LookupCountsHitsAndMisses) {
  EmbeddingCache cache(1000);
  EXPECT_EQ(cache.Lookup("a"), nullptr);
  const auto a = Rows(1);
  ASSERT_TRUE(cache.Insert("a", a).ok());
  EXPECT_EQ(cache.Lookup("a"), a);
  EXPECT_EQ(cache.Lookup("a"), a);
  EXPECT_TRUE(cache.Contains("a"));  // not counted
  const EmbeddingCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits, 2);
  EXPECT_EQ(stats.misses, 1);
  EXPECT_EQ(stats.entries, 1);
  EXPECT_EQ(stats.resident_bytes, 40);
  EXPECT_EQ(cache.EntryBytes("a"), 40);
  EXPECT_EQ(cache.EntryBytes("b"), 0);
}

TEST(EmbeddingCacheTest, EvictsTheLeastRecentlyUsed) {
  EmbeddingCache cache(100);  // room for two 40-byte entries
  ASSERT_TRUE(cache.Insert("a", Rows(1)).ok());
  ASSERT_TRUE(cache.Insert("b", Rows(1)).ok());
  ASSERT_NE(cache.Lookup("a"), nullptr);         // order now (most recent first): a, b
  ASSERT_TRUE(cache.Insert("c", Rows(1)).ok());  // 120 > 100: b goes
  EXPECT_TRUE(cache.Contains("a"));
  EXPECT_FALSE(cache.Contains("b"));
  EXPECT_TRUE(cache.Contains("c"));
  // Order: c, a. Another insert evicts a.
  ASSERT_TRUE(cache.Insert("d", Rows(1)).ok());
  EXPECT_FALSE(cache.Contains("a"));
  EXPECT_TRUE(cache.Contains("c"));
  const EmbeddingCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.evictions, 2);
  EXPECT_EQ(stats.entries, 2);
  EXPECT_EQ(stats.resident_bytes, 80);
}

TEST(EmbeddingCacheTest, ContainsDoesNotRefreshAnEntry) {
  EmbeddingCache cache(100);
  ASSERT_TRUE(cache.Insert("a", Rows(1)).ok());
  ASSERT_TRUE(cache.Insert("b", Rows(1)).ok());
  EXPECT_TRUE(cache.Contains("a"));  // a stays least recently used
  ASSERT_TRUE(cache.Insert("c", Rows(1)).ok());
  EXPECT_FALSE(cache.Contains("a"));
  EXPECT_TRUE(cache.Contains("b"));
}

TEST(EmbeddingCacheTest, ABigInsertEvictsSeveralEntries) {
  EmbeddingCache cache(100);
  ASSERT_TRUE(cache.Insert("a", Rows(1)).ok());
  ASSERT_TRUE(cache.Insert("b", Rows(1)).ok());
  ASSERT_TRUE(cache.Insert("big", Rows(2)).ok());  // 160: a goes, 120: b goes, 80
  EXPECT_FALSE(cache.Contains("a"));
  EXPECT_FALSE(cache.Contains("b"));
  EXPECT_EQ(cache.stats().evictions, 2);
  EXPECT_EQ(cache.stats().resident_bytes, 80);
}

TEST(EmbeddingCacheTest, AnEntryExactlyTheBudgetIsKept) {
  EmbeddingCache cache(80);
  ASSERT_TRUE(cache.Insert("a", Rows(1)).ok());
  ASSERT_TRUE(cache.Insert("big", Rows(2)).ok());
  EXPECT_TRUE(cache.Contains("big"));
  EXPECT_FALSE(cache.Contains("a"));
  EXPECT_EQ(cache.stats().resident_bytes, 80);
}

TEST(EmbeddingCacheTest, AnEntryLargerThanTheBudgetIsRefusedAndChangesNothing) {
  EmbeddingCache cache(100);
  const auto a = Rows(1);
  ASSERT_TRUE(cache.Insert("a", a).ok());
  const absl::Status status = cache.Insert("huge", Rows(3));  // 120 bytes
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), AllOf(HasSubstr("120"), HasSubstr("100"),
                                      HasSubstr("cache_budget_bytes"), HasSubstr("huge")));
  EXPECT_FALSE(cache.Contains("huge"));
  EXPECT_TRUE(cache.Contains("a"));
  EXPECT_EQ(cache.stats().evictions, 0);
  EXPECT_EQ(cache.stats().resident_bytes, 40);
  // Replacing an entry with an oversize one leaves the old one in place.
  EXPECT_EQ(cache.Insert("a", Rows(3)).code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(cache.Lookup("a"), a);
}

TEST(EmbeddingCacheTest, ReplacingAnEntryIsNotAnEviction) {
  EmbeddingCache cache(100);
  ASSERT_TRUE(cache.Insert("a", Rows(1)).ok());
  ASSERT_TRUE(cache.Insert("b", Rows(1)).ok());
  const auto bigger_a = Rows(2, 7.0f);
  ASSERT_TRUE(cache.Insert("a", bigger_a).ok());  // 40 (b) + 80 = 120: b goes, a stays
  EXPECT_EQ(cache.Lookup("a"), bigger_a);
  EXPECT_FALSE(cache.Contains("b"));
  const EmbeddingCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.evictions, 1);
  EXPECT_EQ(stats.entries, 1);
  EXPECT_EQ(stats.resident_bytes, 80);
}

TEST(EmbeddingCacheTest, EraseIsNotAnEviction) {
  EmbeddingCache cache(100);
  ASSERT_TRUE(cache.Insert("a", Rows(1)).ok());
  cache.Erase("a");
  cache.Erase("never there");
  EXPECT_FALSE(cache.Contains("a"));
  EXPECT_EQ(cache.stats().evictions, 0);
  EXPECT_EQ(cache.stats().resident_bytes, 0);
  EXPECT_EQ(cache.stats().entries, 0);
}

TEST(EmbeddingCacheTest, AnEvictedEntryInUseStaysAlive) {
  EmbeddingCache cache(40);
  ASSERT_TRUE(cache.Insert("a", Rows(1, 3.0f)).ok());
  std::shared_ptr<const text::QueryEmbeddings> in_use = cache.Lookup("a");
  ASSERT_TRUE(cache.Insert("b", Rows(1)).ok());  // evicts a
  EXPECT_FALSE(cache.Contains("a"));
  EXPECT_EQ(in_use.use_count(), 1);  // only the request holds it now
  EXPECT_EQ(in_use->embeddings[0][9].item<float>(), 3.0f);
}

TEST(EmbeddingCacheTest, NullIsRefused) {
  EmbeddingCache cache(100);
  EXPECT_EQ(cache.Insert("a", nullptr).code(), absl::StatusCode::kInvalidArgument);
}

TEST(EmbeddingCacheTest, ConcurrentUseKeepsTheBudgetAndTheCounts) {
  EmbeddingCache cache(200);  // five 40-byte entries
  constexpr int kThreads = 8;
  constexpr int kRounds = 200;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&cache, t] {
      for (int i = 0; i < kRounds; ++i) {
        const std::string id = std::to_string((t + i) % 12);
        if (cache.Lookup(id) == nullptr) {
          EXPECT_TRUE(cache.Insert(id, Rows(1)).ok());
        }
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  const EmbeddingCache::Stats stats = cache.stats();
  EXPECT_EQ(stats.hits + stats.misses, kThreads * kRounds);
  EXPECT_LE(stats.resident_bytes, 200);
  EXPECT_EQ(stats.resident_bytes, stats.entries * 40);
}

}  // namespace
}  // namespace itaclip::server
