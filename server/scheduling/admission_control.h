// Bounds the work the server has accepted: at most `max_pending` calls admitted and not yet
// answered (queued, on a worker, on the device or being encoded). Beyond it a call is refused at
// once with RESOURCE_EXHAUSTED, so memory stays bounded and clients can back off or go elsewhere;
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
  AdmissionTicket(AdmissionTicket&& other) noexcept : owner_(other.owner_) {
    other.owner_ = nullptr;
  }
  AdmissionTicket& operator=(AdmissionTicket&&) = delete;
  AdmissionTicket(const AdmissionTicket&) = delete;
  ~AdmissionTicket();

 private:
  friend class AdmissionControl;
  explicit AdmissionTicket(AdmissionControl* owner) : owner_(owner) {}
  AdmissionControl* owner_;
};

class AdmissionControl {
 public:
  explicit AdmissionControl(int max_pending) : max_pending_(max_pending) {}

  // RESOURCE_EXHAUSTED when max_pending calls are pending; UNAVAILABLE after Close().
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> TryAdmit();

  // Refuses every later call (drain). Calls already admitted go on.
  void Close();

  // Waits until no call is pending or the timeout passes; true when idle.
  bool WaitUntilIdle(absl::Duration timeout);

  int64_t pending() const;
  int max_pending() const { return max_pending_; }

 private:
  friend class AdmissionTicket;
  void Release();

  const int max_pending_;
  mutable absl::Mutex mu_;
  int64_t pending_ ABSL_GUARDED_BY(mu_) = 0;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SCHEDULING_ADMISSION_CONTROL_H_
