#include "server/scheduling/admission_control.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace itaclip::server {

AdmissionTicket::~AdmissionTicket() {
  if (owner_ != nullptr) owner_->Release(bytes_);
}

absl::StatusOr<std::unique_ptr<AdmissionTicket>> AdmissionControl::TryAdmit(
    int64_t estimated_bytes) {
  absl::MutexLock lock(&mu_);
  if (closed_) {
    return absl::UnavailableError("the server is shutting down and takes no new calls");
  }
  if (pending_ >= max_pending_) {
    return absl::ResourceExhaustedError(
        absl::StrCat("the server is at capacity: ", pending_,
                     " calls are already pending (max_pending_requests=", max_pending_, ")"));
  }
  if (pending_ > 0 && pending_bytes_ + estimated_bytes > max_memory_bytes_) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the server is at capacity: the %d pending calls need an estimated %.1f GiB and this one "
        "%.1f GiB more; the limit (max_server_memory_bytes) is %.1f GiB",
        pending_, pending_bytes_ / double{1 << 30}, estimated_bytes / double{1 << 30},
        max_memory_bytes_ / double{1 << 30}));
  }
  ++pending_;
  pending_bytes_ += estimated_bytes;
  return std::unique_ptr<AdmissionTicket>(new AdmissionTicket(this, estimated_bytes));
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

int64_t AdmissionControl::pending_bytes() const {
  absl::MutexLock lock(&mu_);
  return pending_bytes_;
}

void AdmissionControl::Release(int64_t bytes) {
  absl::MutexLock lock(&mu_);
  --pending_;
  pending_bytes_ -= bytes;
}

}  // namespace itaclip::server
