// The vocabulary store's reachability as /metrics reports it (itaclip_vocabulary_store_up): the
// store's own last-known state (every operation updates it), refreshed by a background thread that
// pings the store every `interval` while nothing else does, so that a scrape reads a flag and never
// waits on the store: a stalled Redis would otherwise hold each scrape for its timeout.
#ifndef ITACLIP_SERVER_VOCABULARY_STORE_HEALTH_H_
#define ITACLIP_SERVER_VOCABULARY_STORE_HEALTH_H_

#include <thread>

#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "server/vocabulary/vocabulary_store.h"

namespace itaclip::server {

class StoreHealthMonitor {
 public:
  // Pings every `interval` from its own thread. `store` must outlive the monitor.
  StoreHealthMonitor(VocabularyStore* store, absl::Duration interval);
  ~StoreHealthMonitor();  // stops the thread (a ping in progress ends within the store's timeout)
  StoreHealthMonitor(const StoreHealthMonitor&) = delete;
  StoreHealthMonitor& operator=(const StoreHealthMonitor&) = delete;

  // The store's last-known state (VocabularyStore::LastKnownUp), which the pings keep fresh.
  bool up() const { return store_->LastKnownUp(); }

 private:
  VocabularyStore* const store_;
  absl::Notification stop_;
  std::thread thread_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_VOCABULARY_STORE_HEALTH_H_
