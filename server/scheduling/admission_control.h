// Bounds the work the server has accepted: at most `max_pending` calls admitted and not yet
// answered (queued, on a worker, on the device or being encoded), whose estimated memory
// (request_memory.h) sums to at most `max_memory_bytes`. Beyond either a call is refused at once
// with RESOURCE_EXHAUSTED, so memory stays bounded and clients can back off or go elsewhere;
// after Close() (drain) every call is refused with UNAVAILABLE.
#ifndef ITACLIP_SERVER_SCHEDULING_ADMISSION_CONTROL_H_
#define ITACLIP_SERVER_SCHEDULING_ADMISSION_CONTROL_H_

#include <cstdint>
#include <memory>

#include "absl/base/thread_annotations.h"
#include "absl/status/statusor.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace itaclip::server {

class AdmissionControl;

// One admitted call. Releases its place when destroyed (whatever path the call ends on).
class AdmissionTicket {
 public:
  AdmissionTicket(AdmissionTicket&& other) noexcept : owner_(other.owner_), bytes_(other.bytes_) {
    other.owner_ = nullptr;
  }
  AdmissionTicket& operator=(AdmissionTicket&&) = delete;
  AdmissionTicket(const AdmissionTicket&) = delete;
  ~AdmissionTicket();

 private:
  friend class AdmissionControl;
  AdmissionTicket(AdmissionControl* owner, int64_t bytes) : owner_(owner), bytes_(bytes) {}
  AdmissionControl* owner_;
  int64_t bytes_;
};

class AdmissionControl {
 public:
  // A call is admitted alone whatever its estimate (a single request is bounded by
  // max_request_memory_bytes before it gets here), so that max_memory_bytes cannot starve it.
  AdmissionControl(int max_pending, int64_t max_memory_bytes)
      : max_pending_(max_pending), max_memory_bytes_(max_memory_bytes) {}

  // RESOURCE_EXHAUSTED when max_pending calls are pending, or when `estimated_bytes` on top of the
  // pending calls' estimates exceeds max_memory_bytes; UNAVAILABLE after Close().
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> TryAdmit(int64_t estimated_bytes = 0);

  // Refuses every later call (drain). Calls already admitted go on.
  void Close();

  // Waits until no call is pending or the timeout passes; true when idle.
  bool WaitUntilIdle(absl::Duration timeout);

  int64_t pending() const;
  int64_t pending_bytes() const;
  int max_pending() const { return max_pending_; }

 private:
  friend class AdmissionTicket;
  void Release(int64_t bytes);

  const int max_pending_;
  const int64_t max_memory_bytes_;
  mutable absl::Mutex mu_;
  int64_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t pending_bytes_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SCHEDULING_ADMISSION_CONTROL_H_
