// The vocabulary store's reachability as /metrics reports it (itaclip_vocabulary_store_up), kept
// by a background thread that pings the store every `interval`, so that a scrape reads a flag and
// never waits on the store: a stalled Redis would otherwise hold each scrape for its timeout.
#ifndef ITACLIP_SERVER_VOCABULARY_STORE_HEALTH_H_
#define ITACLIP_SERVER_VOCABULARY_STORE_HEALTH_H_

#include <atomic>
#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/vocabulary/vocabulary_store.h"

namespace itaclip::server {

class StoreHealthMonitor {
 public:
  // Pings once before returning, then every `interval`. `store` must outlive the monitor.
  StoreHealthMonitor(VocabularyStore* store, absl::Duration interval);
  ~StoreHealthMonitor();  // stops the thread (a ping in progress ends within the store's timeout)
  StoreHealthMonitor(const StoreHealthMonitor&) = delete;
  StoreHealthMonitor& operator=(const StoreHealthMonitor&) = delete;

  // The answer of the latest ping.
  bool up() const { return up_.load(std::memory_order_acquire); }

 private:
  VocabularyStore* const store_;
  std::atomic<bool> up_{false};
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_STORE_HEALTH_H_
