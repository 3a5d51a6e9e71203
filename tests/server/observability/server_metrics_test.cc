// Tests that each ServerMetrics method moves the right series, and that live stats are read at
// render time.
#include "server/observability/server_metrics.h"

#include <string>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/observability/prometheus_text.h"

namespace itaclip::server {
namespace {

using ::testing::Contains;
using ::testing::Key;
using ::testing::Not;
using ::testing::Pair;

PrometheusPage Render(const ServerMetrics& metrics) {
  const absl::StatusOr<PrometheusPage> page = ParsePrometheusText(metrics.RenderText());
  EXPECT_TRUE(page.ok()) << page.status() << "\n" << metrics.RenderText();
  return page.ok() ? *page : PrometheusPage{};
}

TEST(ServerMetricsTest, EveryFamilyIsExposedWithItsType) {
  ServerMetrics metrics;
  // The per-method families have series (and so appear) from their first request on.
  metrics.RecordRequest("Segment", "OK", 0.1);
  const PrometheusPage page = Render(metrics);
  EXPECT_THAT(page.types, Contains(Pair("itaclip_requests_total", "counter")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_request_seconds", "histogram")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_queue_seconds", "histogram")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_model_seconds", "histogram")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_batch_crops", "histogram")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_batch_requests", "histogram")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_images_total", "counter")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_crops_total", "counter")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_queue_depth", "gauge")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_in_flight_requests", "gauge")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_device_memory_bytes", "gauge")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_vocabulary_cache_resident_bytes", "gauge")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_vocabulary_cache_entries", "gauge")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_vocabulary_cache_hits_total", "counter")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_vocabulary_cache_misses_total", "counter")));
  EXPECT_THAT(page.types, Contains(Pair("itaclip_vocabulary_cache_evictions_total", "counter")));
}

TEST(ServerMetricsTest, PerMethodFamiliesAreAbsentBeforeTheFirstRequest) {
  ServerMetrics metrics;
  const PrometheusPage page = Render(metrics);
  EXPECT_THAT(page.types, Not(Contains(Key("itaclip_requests_total"))));
  EXPECT_THAT(page.types, Not(Contains(Key("itaclip_request_seconds"))));
  // Label-less families are there from the start, at zero.
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_images_total", 0)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_queue_seconds_count", 0)));
}

TEST(ServerMetricsTest, RequestsAreCountedByMethodAndCode) {
  ServerMetrics metrics;
  metrics.RecordRequest("Segment", "OK", 0.002);
  metrics.RecordRequest("Segment", "OK", 0.004);
  metrics.RecordRequest("Segment", "INVALID_ARGUMENT", 0.2);
  metrics.RecordRequest("RegisterVocabulary", "OK", 30.0);
  const PrometheusPage page = Render(metrics);
  EXPECT_THAT(page.samples,
              Contains(Pair(R"(itaclip_requests_total{code="OK",method="Segment"})", 2)));
  EXPECT_THAT(
      page.samples,
      Contains(Pair(R"(itaclip_requests_total{code="INVALID_ARGUMENT",method="Segment"})", 1)));
  EXPECT_THAT(
      page.samples,
      Contains(Pair(R"(itaclip_requests_total{code="OK",method="RegisterVocabulary"})", 1)));
  EXPECT_THAT(page.samples, Not(Contains(Key(R"(itaclip_requests_total{code="INVALID_ARGUMENT",)"
                                             R"(method="RegisterVocabulary"})"))));
}

TEST(ServerMetricsTest, RequestLatencyIsAHistogramPerMethod) {
  ServerMetrics metrics;
  metrics.RecordRequest("Segment", "OK", 0.002);
  metrics.RecordRequest("Segment", "OK", 0.004);
  metrics.RecordRequest("Segment", "INVALID_ARGUMENT", 0.2);
  metrics.RecordRequest("RegisterVocabulary", "OK", 30.0);
  const PrometheusPage page = Render(metrics);
  const auto segment = [&page](const std::string& suffix) {
    const auto it = page.samples.find("itaclip_request_seconds_" + suffix);
    return it == page.samples.end() ? -1.0 : it->second;
  };
  EXPECT_EQ(segment(R"(count{method="Segment"})"), 3);
  EXPECT_DOUBLE_EQ(segment(R"(sum{method="Segment"})"), 0.206);
  // Cumulative buckets: nothing at or below 1 ms, both small calls by 5 ms, all three by 250 ms.
  EXPECT_EQ(segment(R"(bucket{le="0.001",method="Segment"})"), 0);
  EXPECT_EQ(segment(R"(bucket{le="0.005",method="Segment"})"), 2);
  EXPECT_EQ(segment(R"(bucket{le="0.1",method="Segment"})"), 2);
  EXPECT_EQ(segment(R"(bucket{le="0.25",method="Segment"})"), 3);
  EXPECT_EQ(segment(R"(bucket{le="+Inf",method="Segment"})"), 3);
  // 30 s lands in the 60 s bucket, not the 25 s one; the top bucket is 120 s.
  EXPECT_EQ(segment(R"(bucket{le="25",method="RegisterVocabulary"})"), 0);
  EXPECT_EQ(segment(R"(bucket{le="60",method="RegisterVocabulary"})"), 1);
  EXPECT_EQ(segment(R"(bucket{le="120",method="RegisterVocabulary"})"), 1);
}

TEST(ServerMetricsTest, QueueAndModelSecondsAreSeparateHistograms) {
  ServerMetrics metrics;
  metrics.ObserveQueueSeconds(0.5);
  metrics.ObserveQueueSeconds(1.5);
  metrics.ObserveModelSeconds(0.03);
  const PrometheusPage page = Render(metrics);
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_queue_seconds_count", 2)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_queue_seconds_sum", 2.0)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_queue_seconds_bucket{le="1"})", 1)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_queue_seconds_bucket{le="2.5"})", 2)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_model_seconds_count", 1)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_model_seconds_bucket{le="0.025"})", 0)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_model_seconds_bucket{le="0.05"})", 1)));
}

TEST(ServerMetricsTest, BatchesFillPowerOfTwoBuckets) {
  ServerMetrics metrics;
  metrics.ObserveBatch(/*crops=*/3, /*requests=*/2);
  metrics.ObserveBatch(/*crops=*/16, /*requests=*/1);
  metrics.ObserveBatch(/*crops=*/300, /*requests=*/9);
  const PrometheusPage page = Render(metrics);
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_batch_crops_bucket{le="2"})", 0)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_batch_crops_bucket{le="4"})", 1)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_batch_crops_bucket{le="16"})", 2)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_batch_crops_bucket{le="256"})", 2)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_batch_crops_bucket{le="+Inf"})", 3)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_batch_crops_sum", 319)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_batch_requests_bucket{le="1"})", 1)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_batch_requests_bucket{le="2"})", 2)));
  EXPECT_THAT(page.samples, Contains(Pair(R"(itaclip_batch_requests_bucket{le="16"})", 3)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_batch_requests_count", 3)));
}

TEST(ServerMetricsTest, ImagesAndCropsAccumulate) {
  ServerMetrics metrics;
  metrics.AddImages(1);
  metrics.AddImages(2);
  metrics.AddCrops(12);
  metrics.AddCrops(6);
  const PrometheusPage page = Render(metrics);
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_images_total", 3)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_crops_total", 18)));
}

TEST(ServerMetricsTest, LiveStatsAreZeroWithoutAProvider) {
  ServerMetrics metrics;
  const PrometheusPage page = Render(metrics);
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_queue_depth", 0)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_vocabulary_cache_hits_total", 0)));
}

TEST(ServerMetricsTest, LiveStatsAreReadAtEachRender) {
  ServerMetrics metrics;
  int64_t renders = 0;
  metrics.SetLiveStatsProvider([&renders] {
    ++renders;
    ServerMetrics::LiveStats stats;
    stats.queue_depth = 3;
    stats.in_flight = 5 + renders;  // changes from one render to the next
    stats.device_memory_bytes = int64_t{6} << 30;
    stats.cache_hits = 11;
    stats.cache_misses = 12;
    stats.cache_evictions = 13;
    stats.cache_resident_bytes = 4096;
    stats.cache_entries = 2;
    return stats;
  });
  const PrometheusPage page = Render(metrics);
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_queue_depth", 3)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_in_flight_requests", 6)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_device_memory_bytes", 6442450944.0)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_vocabulary_cache_hits_total", 11)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_vocabulary_cache_misses_total", 12)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_vocabulary_cache_evictions_total", 13)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_vocabulary_cache_resident_bytes", 4096)));
  EXPECT_THAT(page.samples, Contains(Pair("itaclip_vocabulary_cache_entries", 2)));
  EXPECT_THAT(Render(metrics).samples, Contains(Pair("itaclip_in_flight_requests", 7)));

  metrics.SetLiveStatsProvider(nullptr);
  EXPECT_THAT(Render(metrics).samples, Contains(Pair("itaclip_in_flight_requests", 0)));
}

TEST(ServerMetricsTest, TwoInstancesCountSeparately) {
  ServerMetrics first;
  ServerMetrics second;
  first.AddImages(4);
  EXPECT_THAT(Render(first).samples, Contains(Pair("itaclip_images_total", 4)));
  EXPECT_THAT(Render(second).samples, Contains(Pair("itaclip_images_total", 0)));
}

}  // namespace
}  // namespace itaclip::server
