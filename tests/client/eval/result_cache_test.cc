// The per-image cache: records round-trip, bad records are misses (and say why), the folder is
// named after the settings so that other settings never see these counts, and the stable hash.
#include "client/eval/result_cache.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "client/eval/stable_hash.h"
#include "tests/testing/scratch_dir_test.h"

namespace itaclip::client {
namespace {

using ::testing::HasSubstr;

evaluation::IouCounts Example() {
  evaluation::IouCounts counts = evaluation::IouCounts::Zeros(3);
  counts.area_intersect = {2, 2, 1};
  counts.area_union = {4, 4, 3};
  counts.area_pred_label = {3, 3, 2};
  counts.area_label = {3, 3, 2};
  return counts;
}

std::string ReadAll(const std::string& path) {
  std::ifstream file(path);
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

TEST(StableHashTest, MatchesTheFnv1a64Vectors) {
  // From the FNV reference test suite (Fowler/Noll/Vo, FNV-1a 64-bit).
  EXPECT_EQ(StableHasher().HexDigest(), "cbf29ce484222325");
  EXPECT_EQ(StableHasher().Add("a").HexDigest(), "af63dc4c8601ec8c");
  EXPECT_EQ(StableHasher().Add("foobar").HexDigest(), "85944171f73967e8");
  EXPECT_EQ(StableHasher().Add("foo").Add("bar").HexDigest(), "85944171f73967e8");
}

class ResultCacheTest : public testing::ScratchDirTest {};

TEST_F(ResultCacheTest, FileHashEqualsTheHashOfItsContent) {
  const std::string path = ScratchPath("f.bin");
  std::ofstream(path) << "foobar";
  absl::StatusOr<std::string> hash = HashFileContent(path, "file");
  ASSERT_TRUE(hash.ok()) << hash.status();
  EXPECT_EQ(*hash, "85944171f73967e8");
  EXPECT_EQ(HashFileContent(ScratchPath("none"), "checkpoint").status().code(),
            absl::StatusCode::kNotFound);
}

TEST(CountsRecordTest, RoundTripsAndRefusesBadRecords) {
  const std::string text = FormatCountsRecord("city/img_1", Example());
  EXPECT_EQ(text,
            "itaclip-eval-counts 1\nimage city/img_1\nclasses 3\nintersect 2 2 1\nunion 4 4 3\n"
            "pred 3 3 2\nlabel 3 3 2\n");
  absl::StatusOr<evaluation::IouCounts> parsed = ParseCountsRecord(text, "city/img_1", 3);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(*parsed, Example());
  EXPECT_THAT(ParseCountsRecord(text, "other", 3).status().message(), HasSubstr("another image"));
  EXPECT_THAT(ParseCountsRecord(text, "city/img_1", 4).status().message(),
              HasSubstr("expected 4 classes"));
  std::string inconsistent = text;
  inconsistent.replace(inconsistent.find("union 4"), 7, "union 5");
  EXPECT_THAT(ParseCountsRecord(inconsistent, "city/img_1", 3).status().message(),
              HasSubstr("union 5"));
  EXPECT_FALSE(ParseCountsRecord(text.substr(0, text.size() / 2), "city/img_1", 3).ok());
  std::string not_a_number = text;
  not_a_number.replace(not_a_number.find("pred 3"), 6, "pred x");
  EXPECT_THAT(ParseCountsRecord(not_a_number, "city/img_1", 3).status().message(),
              HasSubstr("not an integer"));
}

TEST_F(ResultCacheTest, StoresAndFindsPerImageUnderTheSettingsKey) {
  absl::StatusOr<ResultCache> cache = ResultCache::Open(scratch_dir(), "settings A\n");
  ASSERT_TRUE(cache.ok()) << cache.status();
  EXPECT_EQ(cache->settings_key(), StableHasher().Add("settings A\n").HexDigest());
  EXPECT_EQ(cache->folder(), scratch_dir() + "/" + cache->settings_key());
  EXPECT_EQ(ReadAll(cache->folder() + "/settings.txt"), "settings A\n");

  EXPECT_FALSE(cache->Lookup("frankfurt/f_1", 3).has_value());
  ASSERT_TRUE(cache->Store("frankfurt/f_1", Example()).ok());
  std::optional<evaluation::IouCounts> found = cache->Lookup("frankfurt/f_1", 3);
  ASSERT_TRUE(found.has_value());
  EXPECT_EQ(*found, Example());
  EXPECT_TRUE(std::filesystem::exists(cache->folder() + "/frankfurt/f_1.counts"));

  // Other settings: another folder, which has not seen this image.
  absl::StatusOr<ResultCache> other = ResultCache::Open(scratch_dir(), "settings B\n");
  ASSERT_TRUE(other.ok());
  EXPECT_NE(other->folder(), cache->folder());
  EXPECT_FALSE(other->Lookup("frankfurt/f_1", 3).has_value());
}

TEST_F(ResultCacheTest, ACorruptRecordIsAMissWithAWarning) {
  absl::StatusOr<ResultCache> cache = ResultCache::Open(scratch_dir(), "s");
  ASSERT_TRUE(cache.ok());
  std::ofstream(cache->folder() + "/img.counts") << "garbage";
  std::string warning;
  EXPECT_FALSE(cache->Lookup("img", 3, &warning).has_value());
  EXPECT_THAT(warning, HasSubstr("img.counts"));
}

TEST(ResultCacheDisabledTest, HoldsNothing) {
  const ResultCache cache;
  EXPECT_FALSE(cache.enabled());
  EXPECT_TRUE(cache.Store("a", Example()).ok());
  EXPECT_FALSE(cache.Lookup("a", 3).has_value());
}

}  // namespace
}  // namespace itaclip::client
