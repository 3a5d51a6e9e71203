// Tests of which client request ids are kept and of the generated ones.
#include "server/observability/request_id.h"

#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace itaclip::server {
namespace {

using ::testing::MatchesRegex;

// Client metadata as grpc::ServerContext::client_metadata() gives it; the strings stay owned here.
class Metadata {
 public:
  Metadata& Add(std::string key, std::string value) {
    storage_.emplace_back(std::move(key), std::move(value));
    return *this;
  }
  std::multimap<grpc::string_ref, grpc::string_ref> View() const {
    std::multimap<grpc::string_ref, grpc::string_ref> view;
    for (const auto& [key, value] : storage_) view.emplace(key, value);
    return view;
  }

 private:
  std::vector<std::pair<std::string, std::string>> storage_;
};

constexpr char kGeneratedId[] = "[0-9a-f]{16}";

TEST(RequestIdTest, KeepsAWellFormedClientId) {
  const std::string id = "Trace-42_a.b:c";
  Metadata metadata;
  metadata.Add("user-agent", "test").Add("x-request-id", id);
  EXPECT_EQ(RequestIdFromMetadata(metadata.View()), id);
}

TEST(RequestIdTest, AcceptsOneToOneHundredTwentyEightCharacters) {
  EXPECT_EQ(RequestIdFromMetadata(Metadata().Add("x-request-id", "a").View()), "a");
  const std::string longest(128, 'z');
  EXPECT_EQ(RequestIdFromMetadata(Metadata().Add("x-request-id", longest).View()), longest);
}

TEST(RequestIdTest, ReplacesAnIdThatIsTooLongOrEmpty) {
  const std::string too_long(129, 'z');
  EXPECT_THAT(RequestIdFromMetadata(Metadata().Add("x-request-id", too_long).View()),
              MatchesRegex(kGeneratedId));
  EXPECT_THAT(RequestIdFromMetadata(Metadata().Add("x-request-id", "").View()),
              MatchesRegex(kGeneratedId));
}

TEST(RequestIdTest, ReplacesAnIdWithCharactersOutsideTheSafeSet) {
  for (const std::string bad : {"has space", "new\nline", "quote\"", "slash/", "semi;colon",
                                "caf\xc3\xa9", "tab\t", "brace{}", "equals="}) {
    EXPECT_THAT(RequestIdFromMetadata(Metadata().Add("x-request-id", bad).View()),
                MatchesRegex(kGeneratedId))
        << bad;
  }
}

TEST(RequestIdTest, MakesOneWhenTheClientSentNone) {
  EXPECT_THAT(RequestIdFromMetadata(Metadata().Add("x-other-id", "abc").View()),
              MatchesRegex(kGeneratedId));
  EXPECT_THAT(RequestIdFromMetadata({}), MatchesRegex(kGeneratedId));
}

TEST(RequestIdTest, IsValidRequestIdFollowsTheCharacterRules) {
  EXPECT_TRUE(IsValidRequestId("AZaz09._:-"));
  EXPECT_FALSE(IsValidRequestId(""));
  EXPECT_FALSE(IsValidRequestId("a+b"));
  EXPECT_FALSE(IsValidRequestId(std::string(129, '0')));
}

TEST(NewRequestIdTest, IdsAreHexAndDistinctAcrossThreads) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 2000;
  std::mutex mutex;
  std::set<std::string> ids;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      std::vector<std::string> mine;
      for (int i = 0; i < kPerThread; ++i) mine.push_back(NewRequestId());
      std::lock_guard<std::mutex> lock(mutex);
      ids.insert(mine.begin(), mine.end());
    });
  }
  for (std::thread& thread : threads) thread.join();
  // 8000 draws of 64 random bits: a collision has probability ~2e-12, so any repeat means the
  // threads share or reuse a seed.
  EXPECT_EQ(ids.size(), static_cast<size_t>(kThreads * kPerThread));
  for (const std::string& id : ids) ASSERT_THAT(id, MatchesRegex(kGeneratedId));
}

}  // namespace
}  // namespace itaclip::server
