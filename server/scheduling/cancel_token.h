// A request's "should this work go on?" answer: raised when the client cancels (the reactor's
// OnCancel) or when the server drains, and implied by the call's deadline. Every stage of a
// request checks it before starting, so a cancelled request frees its worker and its share of the
// device at the next stage or batch boundary.
#ifndef ITACLIP_SERVER_SCHEDULING_CANCEL_TOKEN_H_
#define ITACLIP_SERVER_SCHEDULING_CANCEL_TOKEN_H_

#include <atomic>
#include <functional>
#include <memory>
#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace itaclip::server {

// Always held by a shared_ptr (Checker shares it).
class CancelToken : public std::enable_shared_from_this<CancelToken> {
 public:
  // `deadline_source` says whose deadline it is when it is not the client's (e.g. the server's
  // max_request_seconds), for the message.
  explicit CancelToken(absl::Time deadline = absl::InfiniteFuture(),
                       std::string deadline_source = "")
      : deadline_(deadline), deadline_source_(std::move(deadline_source)) {}

  void Cancel() { cancelled_.store(true, std::memory_order_release); }

  // OK while the work should go on; CANCELLED after Cancel(), else DEADLINE_EXCEEDED once the
  // deadline has passed. `stage` names what was about to start, for the message.
  absl::Status Check(const char* stage) const {
    if (cancelled_.load(std::memory_order_acquire)) {
      return absl::CancelledError(std::string("the call was cancelled before ") + stage);
    }
    if (absl::Now() > deadline_) {
      return absl::DeadlineExceededError(
          std::string("the deadline") +
          (deadline_source_.empty() ? "" : " (" + deadline_source_ + ")") + " passed before " +
          stage);
    }
    return absl::OkStatus();
  }

  absl::Time deadline() const { return deadline_; }

  // Check(stage) as a function, for work that asks between its own steps (a text build between
  // batches of prompts). The function holds the token.
  std::function<absl::Status()> Checker(const char* stage) const {
    return [self = shared_from_this(), stage] { return self->Check(stage); };
  }

 private:
  std::atomic<bool> cancelled_{false};
  const absl::Time deadline_;
  const std::string deadline_source_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SCHEDULING_CANCEL_TOKEN_H_
