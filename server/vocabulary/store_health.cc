#include "server/vocabulary/store_health.h"

namespace itaclip::server {

StoreHealthMonitor::StoreHealthMonitor(VocabularyStore* store, absl::Duration interval)
    : store_(store) {
  store_->Ping().IgnoreError();  // its answer is in store_->LastKnownUp()
  thread_ = std::thread([this, interval] {
    while (!stop_.WaitForNotificationWithTimeout(interval)) store_->Ping().IgnoreError();
  });
}

StoreHealthMonitor::~StoreHealthMonitor() {
  stop_.Notify();
  thread_.join();
}

}  // namespace itaclip::server
