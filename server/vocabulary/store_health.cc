#include "server/vocabulary/store_health.h"

namespace itaclip::server {

StoreHealthMonitor::StoreHealthMonitor(VocabularyStore* store, absl::Duration interval)
    : store_(store) {
  // No ping here: opening the store pinged it already (OpenRedisVocabularyStore), and a store
  // keeps its last-known state from then on.
  thread_ = std::thread([this, interval] {
    while (!stop_.WaitForNotificationWithTimeout(interval)) store_->Ping().IgnoreError();
  });
}

StoreHealthMonitor::~StoreHealthMonitor() {
  stop_.Notify();
  thread_.join();
}

}  // namespace itaclip::server
