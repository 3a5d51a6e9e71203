#include "tests/testing/device_gate.h"

namespace itaclip::testing {

std::function<void()> DeviceGate::Hook() {
  return [this] { Pass(); };
}

void DeviceGate::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

void DeviceGate::Open() {
  absl::MutexLock lock(&mu_);
  closed_ = false;
  ++openings_;
  // The held thread is released now, even if it has not run yet: a Close() right after must not
  // find it still "blocked".
  blocked_ = false;
}

bool DeviceGate::WaitUntilBlocked(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  return mu_.AwaitWithTimeout(absl::Condition(&blocked_), timeout);
}

int64_t DeviceGate::batches_passed() const {
  absl::MutexLock lock(&mu_);
  return batches_passed_;
}

void DeviceGate::Pass() {
  absl::MutexLock lock(&mu_);
  if (closed_) {
    blocked_ = true;
    const int64_t opened_before = openings_;
    auto released = [this, opened_before]()
                        ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_) { return openings_ != opened_before; };
    mu_.Await(absl::Condition(&released));
  }
  ++batches_passed_;
}

}  // namespace itaclip::testing
