// Every Prometheus metric of the server, behind typed methods. One object per server (built in
// server.cc and handed to whoever records), so two servers in one test binary keep separate counts.
#ifndef ITACLIP_SERVER_OBSERVABILITY_SERVER_METRICS_H_
#define ITACLIP_SERVER_OBSERVABILITY_SERVER_METRICS_H_

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/strings/string_view.h"

// prometheus-cpp stays out of this header, which most of server/ includes.
namespace prometheus {
class Collectable;
class Registry;
}  // namespace prometheus

namespace itaclip::server {

class ServerMetrics {
 public:
  // Values owned by other components, read when the metrics are scraped or rendered.
  struct LiveStats {
    int64_t queue_depth = 0;          // admitted requests waiting for a worker
    int64_t in_flight = 0;            // admitted and unanswered requests
    int64_t device_memory_bytes = 0;  // allocated on the model's device
    int64_t cache_hits = 0;           // vocabulary embedding cache, since start
    int64_t cache_misses = 0;
    int64_t cache_evictions = 0;
    int64_t cache_resident_bytes = 0;  // embeddings resident now
    int64_t cache_entries = 0;         // vocabularies resident now
    int64_t vocabulary_store_up = 0;   // 1 when the vocabulary store answers (Ping), else 0
  };

  ServerMetrics();
  ~ServerMetrics();
  ServerMetrics(const ServerMetrics&) = delete;
  ServerMetrics& operator=(const ServerMetrics&) = delete;

  // One finished RPC: itaclip_requests_total{method, code} += 1 and
  // itaclip_request_seconds{method} observes its total latency. `code` is the gRPC code name.
  void RecordRequest(absl::string_view method, absl::string_view code, double total_seconds);
  // itaclip_queue_seconds: time from admission to a worker taking the request.
  void ObserveQueueSeconds(double seconds);
  // itaclip_model_seconds: device time spent on one request.
  void ObserveModelSeconds(double seconds);
  // One device batch: itaclip_batch_crops and itaclip_batch_requests (distinct requests in it).
  void ObserveBatch(int crops, int requests);
  void AddImages(int n);  // itaclip_images_total: images segmented
  void AddCrops(int n);   // itaclip_crops_total: crops through the ViT

  // Called at every scrape and RenderText() for the gauges itaclip_queue_depth,
  // itaclip_in_flight_requests, itaclip_device_memory_bytes,
  // itaclip_vocabulary_cache_resident_bytes, itaclip_vocabulary_cache_entries,
  // itaclip_vocabulary_store_up and the counters
  // itaclip_vocabulary_cache_{hits,misses,evictions}_total; all 0 while no provider is set. It runs
  // on the scraping thread, so it must be thread-safe; set nullptr before what it reads goes away.
  void SetLiveStatsProvider(std::function<LiveStats()> provider);

  // Prometheus text exposition format (0.0.4) of every metric, live stats included.
  std::string RenderText() const;

  // The registry of the recorded metrics (without the live stats).
  std::shared_ptr<prometheus::Registry> registry() const;
  // Everything RenderText() shows, for an exposer; it holds a weak_ptr, so scrapes after this
  // object is gone return nothing rather than touching freed memory.
  std::shared_ptr<prometheus::Collectable> collectable() const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_OBSERVABILITY_SERVER_METRICS_H_
