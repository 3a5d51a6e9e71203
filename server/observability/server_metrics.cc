// The prometheus-cpp registry and families behind ServerMetrics, plus the scrape-time live stats.
#include "server/observability/server_metrics.h"

#include <string>
#include <utility>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "prometheus/collectable.h"
#include "prometheus/counter.h"
#include "prometheus/family.h"
#include "prometheus/histogram.h"
#include "prometheus/metric_family.h"
#include "prometheus/registry.h"
#include "prometheus/text_serializer.h"

namespace itaclip::server {
namespace {

// Latency buckets in seconds, 1 ms .. 120 s, about ×2.5 apart: a cached-vocabulary request on a
// GPU takes tens of ms, a large image on CPU can take a minute.
const prometheus::Histogram::BucketBoundaries& LatencyBuckets() {
  static const auto* const buckets = new prometheus::Histogram::BucketBoundaries{
      0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 25, 60, 120};
  return *buckets;
}

// Batch sizes: powers of two up to 256.
const prometheus::Histogram::BucketBoundaries& BatchBuckets() {
  static const auto* const buckets =
      new prometheus::Histogram::BucketBoundaries{1, 2, 4, 8, 16, 32, 64, 128, 256};
  return *buckets;
}

// The provider of the live stats, shared by ServerMetrics (which sets it) and the collectable
// (which may outlive ServerMetrics inside an exposer).
class LiveStatsSource {
 public:
  void Set(std::function<ServerMetrics::LiveStats()> provider) {
    absl::MutexLock lock(&mutex_);
    provider_ = std::move(provider);
  }
  ServerMetrics::LiveStats Read() const {
    absl::MutexLock lock(&mutex_);
    return provider_ ? provider_() : ServerMetrics::LiveStats{};
  }

 private:
  mutable absl::Mutex mutex_;
  std::function<ServerMetrics::LiveStats()> provider_ ABSL_GUARDED_BY(mutex_);
};

prometheus::MetricFamily OneValueFamily(std::string name, std::string help,
                                        prometheus::MetricType type, int64_t value) {
  prometheus::MetricFamily family;
  family.name = std::move(name);
  family.help = std::move(help);
  family.type = type;
  prometheus::ClientMetric metric;
  if (type == prometheus::MetricType::Counter) {
    metric.counter.value = static_cast<double>(value);
  } else {
    metric.gauge.value = static_cast<double>(value);
  }
  family.metric.push_back(std::move(metric));
  return family;
}

// The registry's metrics followed by the live stats, read from the provider at each Collect().
class ServerCollectable : public prometheus::Collectable {
 public:
  ServerCollectable(std::shared_ptr<prometheus::Registry> registry,
                    std::shared_ptr<LiveStatsSource> live)
      : registry_(std::move(registry)), live_(std::move(live)) {}

  std::vector<prometheus::MetricFamily> Collect() const override {
    std::vector<prometheus::MetricFamily> families = registry_->Collect();
    const ServerMetrics::LiveStats stats = live_->Read();
    using prometheus::MetricType;
    families.push_back(OneValueFamily("itaclip_queue_depth",
                                      "Admitted requests waiting for a CPU worker.",
                                      MetricType::Gauge, stats.queue_depth));
    families.push_back(OneValueFamily("itaclip_in_flight_requests",
                                      "Admitted requests not yet answered.", MetricType::Gauge,
                                      stats.in_flight));
    families.push_back(OneValueFamily("itaclip_device_memory_bytes",
                                      "Memory allocated on the model's device.", MetricType::Gauge,
                                      stats.device_memory_bytes));
    families.push_back(OneValueFamily("itaclip_vocabulary_cache_resident_bytes",
                                      "Bytes of vocabulary text embeddings resident on the device.",
                                      MetricType::Gauge, stats.cache_resident_bytes));
    families.push_back(OneValueFamily("itaclip_vocabulary_cache_entries",
                                      "Vocabularies whose embeddings are resident.",
                                      MetricType::Gauge, stats.cache_entries));
    families.push_back(OneValueFamily("itaclip_vocabulary_store_up",
                                      "1 when the vocabulary store (e.g. a shared Redis) answers, "
                                      "else 0.",
                                      MetricType::Gauge, stats.vocabulary_store_up));
    families.push_back(OneValueFamily("itaclip_vocabulary_cache_hits_total",
                                      "Vocabulary embedding lookups served from the cache.",
                                      MetricType::Counter, stats.cache_hits));
    families.push_back(OneValueFamily("itaclip_vocabulary_cache_misses_total",
                                      "Vocabulary embedding lookups that had to build them.",
                                      MetricType::Counter, stats.cache_misses));
    families.push_back(OneValueFamily("itaclip_vocabulary_cache_evictions_total",
                                      "Vocabulary embeddings evicted to stay within the budget.",
                                      MetricType::Counter, stats.cache_evictions));
    return families;
  }

 private:
  const std::shared_ptr<prometheus::Registry> registry_;
  const std::shared_ptr<LiveStatsSource> live_;
};

}  // namespace

struct ServerMetrics::Impl {
  std::shared_ptr<prometheus::Registry> registry = std::make_shared<prometheus::Registry>();
  std::shared_ptr<LiveStatsSource> live = std::make_shared<LiveStatsSource>();
  std::shared_ptr<ServerCollectable> collectable =
      std::make_shared<ServerCollectable>(registry, live);

  prometheus::Family<prometheus::Counter>& requests =
      prometheus::BuildCounter()
          .Name("itaclip_requests_total")
          .Help("Finished RPCs by method and gRPC status code.")
          .Register(*registry);
  prometheus::Family<prometheus::Histogram>& request_seconds =
      prometheus::BuildHistogram()
          .Name("itaclip_request_seconds")
          .Help("Total latency of an RPC, from arrival to answer, by method.")
          .Register(*registry);
  prometheus::Histogram& queue_seconds =
      prometheus::BuildHistogram()
          .Name("itaclip_queue_seconds")
          .Help("Time from admission until a CPU worker takes the request.")
          .Register(*registry)
          .Add({}, LatencyBuckets());
  prometheus::Histogram& model_seconds = prometheus::BuildHistogram()
                                             .Name("itaclip_model_seconds")
                                             .Help("Device time spent on one request.")
                                             .Register(*registry)
                                             .Add({}, LatencyBuckets());
  prometheus::Histogram& batch_crops = prometheus::BuildHistogram()
                                           .Name("itaclip_batch_crops")
                                           .Help("Crops in one device batch.")
                                           .Register(*registry)
                                           .Add({}, BatchBuckets());
  prometheus::Histogram& batch_requests = prometheus::BuildHistogram()
                                              .Name("itaclip_batch_requests")
                                              .Help("Distinct requests in one device batch.")
                                              .Register(*registry)
                                              .Add({}, BatchBuckets());
  prometheus::Counter& images = prometheus::BuildCounter()
                                    .Name("itaclip_images_total")
                                    .Help("Images segmented.")
                                    .Register(*registry)
                                    .Add({});
  prometheus::Counter& crops = prometheus::BuildCounter()
                                   .Name("itaclip_crops_total")
                                   .Help("Crops run through the vision transformer.")
                                   .Register(*registry)
                                   .Add({});
};

ServerMetrics::ServerMetrics() : impl_(std::make_unique<Impl>()) {}

ServerMetrics::~ServerMetrics() = default;

void ServerMetrics::RecordRequest(absl::string_view method, absl::string_view code,
                                  double total_seconds) {
  // Family::Add returns the existing series for labels already seen (it locks internally).
  impl_->requests.Add({{"method", std::string(method)}, {"code", std::string(code)}}).Increment();
  impl_->request_seconds.Add({{"method", std::string(method)}}, LatencyBuckets())
      .Observe(total_seconds);
}

void ServerMetrics::ObserveQueueSeconds(double seconds) { impl_->queue_seconds.Observe(seconds); }

void ServerMetrics::ObserveModelSeconds(double seconds) { impl_->model_seconds.Observe(seconds); }

void ServerMetrics::ObserveBatch(int crops, int requests) {
  impl_->batch_crops.Observe(crops);
  impl_->batch_requests.Observe(requests);
}

void ServerMetrics::AddImages(int n) { impl_->images.Increment(n); }

void ServerMetrics::AddCrops(int n) { impl_->crops.Increment(n); }

void ServerMetrics::SetLiveStatsProvider(std::function<LiveStats()> provider) {
  impl_->live->Set(std::move(provider));
}

std::string ServerMetrics::RenderText() const {
  return prometheus::TextSerializer().Serialize(impl_->collectable->Collect());
}

std::shared_ptr<prometheus::Registry> ServerMetrics::registry() const { return impl_->registry; }

std::shared_ptr<prometheus::Collectable> ServerMetrics::collectable() const {
  return impl_->collectable;
}

}  // namespace itaclip::server
