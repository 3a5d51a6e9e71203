#include "server/scheduling/admission_control.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace itaclip::server {

AdmissionTicket::~AdmissionTicket() {
  if (owner_ != nullptr) owner_->Release();
}

absl::StatusOr<std::unique_ptr<AdmissionTicket>> AdmissionControl::TryAdmit() {
  absl::MutexLock lock(&mu_);
  if (closed_) {
    return absl::UnavailableError("the server is shutting down and takes no new calls");
  }
  if (pending_ >= max_pending_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the server is at capacity: ", pending_,
                     " calls are already pending (max_pending_requests=", max_pending_, ")"));
  }
  ++pending_;
  return std::unique_ptr<AdmissionTicket>(new AdmissionTicket(this));
}

void AdmissionControl::Close() {
  absl::MutexLock lock(&mu_);
  closed_ = true;
}

bool AdmissionControl::WaitUntilIdle(absl::Duration timeout) {
  absl::MutexLock lock(&mu_);
  auto idle = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return pending_ == 0; };
  return mu_.AwaitWithTimeout(absl::Condition(&idle), timeout);
}

int64_t AdmissionControl::pending() const {
  absl::MutexLock lock(&mu_);
  return pending_;
}

void AdmissionControl::Release() {
  absl::MutexLock lock(&mu_);
  --pending_;
}

}  // namespace itaclip::server
