#include "server/vocabulary/store_health.h"

namespace itaclip::server {

StoreHealthMonitor::StoreHealthMonitor(VocabularyStore* store, absl::Duration interval)
    : store_(store) {
  up_.store(store_->Ping().ok(), std::memory_order_release);
  thread_ = std::thread([this, interval] {
    while (!stop_.WaitForNotificationWithTimeout(interval)) {
      up_.store(store_->Ping().ok(), std::memory_order_release);
    }
  });
}

StoreHealthMonitor::~StoreHealthMonitor() {
  stop_.Notify();
  thread_.join();
}

}  // namespace itaclip::server
