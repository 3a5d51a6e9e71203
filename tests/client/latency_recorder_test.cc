// LatencyRecorder: nearest-rank percentiles worked out by hand, and concurrent Add.
#include "client/loadgen/latency_recorder.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <random>
#include <thread>
#include <vector>

namespace itaclip::client {
namespace {

TEST(LatencyRecorderTest, OneToHundredGivesTheRankItself) {
  // Inserted in a scrambled order: the recorder must sort.
  std::vector<double> values(100);
  std::iota(values.begin(), values.end(), 1.0);
  std::shuffle(values.begin(), values.end(), std::mt19937(7));
  LatencyRecorder recorder;
  for (const double v : values) recorder.Add(v);
  EXPECT_EQ(recorder.Count(), 100);
  // Nearest rank: k = ceil(p/100 · 100) = p, and the k-th smallest of 1..100 is k.
  EXPECT_EQ(*recorder.Percentile(50), 50);
  EXPECT_EQ(*recorder.Percentile(95), 95);
  EXPECT_EQ(*recorder.Percentile(99), 99);
  EXPECT_EQ(*recorder.Percentile(100), 100);
  EXPECT_EQ(*recorder.Percentile(0), 1);
  // k = ceil(99.5) = 100.
  EXPECT_EQ(*recorder.Percentile(99.5), 100);
  EXPECT_DOUBLE_EQ(*recorder.Mean(), 50.5);
}

TEST(LatencyRecorderTest, FourSamplesPickTheNearestRankWithoutInterpolating) {
  LatencyRecorder recorder;
  for (const double v : {40.0, 10.0, 30.0, 20.0}) recorder.Add(v);
  // k = ceil(p · 4 / 100): p25 -> 1, p26 -> ceil(1.04) = 2, p50 -> 2, p75 -> 3, p76 -> 4.
  EXPECT_EQ(*recorder.Percentile(25), 10);
  EXPECT_EQ(*recorder.Percentile(26), 20);
  EXPECT_EQ(*recorder.Percentile(50), 20);
  EXPECT_EQ(*recorder.Percentile(75), 30);
  EXPECT_EQ(*recorder.Percentile(76), 40);
  EXPECT_EQ(*recorder.Percentile(1), 10);
  EXPECT_DOUBLE_EQ(*recorder.Mean(), 25);
}

TEST(LatencyRecorderTest, ThousandSamplesAtAFractionalPercentile) {
  LatencyRecorder recorder;
  for (int i = 1000; i >= 1; --i) recorder.Add(i);
  // k = ceil(99.9 · 1000 / 100) = 999 exactly; rounding must not push it to 1000.
  EXPECT_EQ(*recorder.Percentile(99.9), 999);
  EXPECT_EQ(*recorder.Percentile(0.1), 1);
  EXPECT_EQ(*recorder.Percentile(0.11), 2);
}

TEST(LatencyRecorderTest, ASingleSampleIsEveryPercentile) {
  LatencyRecorder recorder;
  recorder.Add(12.5);
  for (const double p : {0.0, 1.0, 50.0, 99.0, 100.0}) EXPECT_EQ(*recorder.Percentile(p), 12.5);
}

TEST(LatencyRecorderTest, EmptyIsAnError) {
  LatencyRecorder recorder;
  EXPECT_EQ(recorder.Count(), 0);
  EXPECT_EQ(recorder.Percentile(50).status().code(), absl::StatusCode::kFailedPrecondition);
  EXPECT_EQ(recorder.Mean().status().code(), absl::StatusCode::kFailedPrecondition);
}

TEST(LatencyRecorderTest, PercentileOutsideZeroToHundredIsInvalid) {
  LatencyRecorder recorder;
  recorder.Add(1);
  EXPECT_EQ(recorder.Percentile(-1).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(recorder.Percentile(100.5).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(recorder.Percentile(std::nan("")).status().code(), absl::StatusCode::kInvalidArgument);
}

TEST(LatencyRecorderTest, ConcurrentAddsAreAllKept) {
  LatencyRecorder recorder;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&recorder, t] {
      for (int i = 1; i <= 1000; ++i) recorder.Add(t * 1000 + i);
    });
  }
  for (std::thread& thread : threads) thread.join();
  // The samples are exactly 1..8000: nothing lost, nothing duplicated.
  EXPECT_EQ(recorder.Count(), 8000);
  EXPECT_EQ(*recorder.Percentile(100), 8000);
  EXPECT_EQ(*recorder.Percentile(50), 4000);
  EXPECT_DOUBLE_EQ(*recorder.Mean(), 4000.5);
}

}  // namespace
}  // namespace itaclip::client
