// One call of the service's API, whatever transport carried it (gRPC, HTTP/JSON). The transport
// makes it (request id, deadline, peer), parses the request into it and hands it to the
// SegmentationApi; whoever ends the call calls Finish once, from any thread. Finish records the
// metrics, writes the call's one log line, then hands the status to the transport (Deliver), which
// answers the client. The call may be deleted as soon as Deliver has run: nothing touches it after
// Finish.
#ifndef ITACLIP_SERVER_API_API_CALL_H_
#define ITACLIP_SERVER_API_API_CALL_H_

#include <memory>
#include <optional>
#include <string>

#include "absl/status/status.h"
#include "absl/time/time.h"
#include "server/scheduling/cancel_token.h"

namespace itaclip::server {

class ServerMetrics;

// What the transport knows of a call when it arrives.
struct CallContext {
  const char* method = "";     // the RPC's name ("Segment"): metrics and logs use it
  const char* transport = "";  // "grpc" or "http"
  std::string peer;
  std::string request_id;
  absl::Time received;
  std::shared_ptr<CancelToken> cancel;  // the deadline, the client's cancel, the drain
  ServerMetrics* metrics = nullptr;     // may be null
};

// A call's context as it arrives, received now. Its work stops at `client_deadline` (when the
// transport carries one) or `max_duration` after it arrived (the server's max_request_seconds),
// whichever comes first.
CallContext NewCallContext(const char* method, const char* transport, std::string peer,
                           std::string request_id, ServerMetrics* metrics,
                           absl::Duration max_duration,
                           std::optional<absl::Time> client_deadline = std::nullopt);

class ApiCall {
 public:
  explicit ApiCall(CallContext context) : context_(std::move(context)) {}
  virtual ~ApiCall() = default;
  ApiCall(const ApiCall&) = delete;
  ApiCall& operator=(const ApiCall&) = delete;

  const std::string& request_id() const { return context_.request_id; }
  const std::shared_ptr<CancelToken>& cancel() const { return context_.cancel; }
  absl::Time received() const { return context_.received; }

  // Ends the call (once). Safe from any thread; the call may be gone when it returns.
  void Finish(const absl::Status& status);

 protected:
  // Called by Finish for an OK status before the answer leaves: serialises the response. An error
  // replaces the OK status.
  virtual absl::Status WriteResponse() { return absl::OkStatus(); }
  // Answers the client with `status` (and the written response when OK).
  virtual void Deliver(const absl::Status& status) = 0;

 private:
  const CallContext context_;
};

// A call that carries a parsed Request and fills a Response: what the API's handlers take.
template <typename Request, typename Response>
class UnaryCall : public ApiCall {
 public:
  using ApiCall::ApiCall;

  const Request& request() const { return request_; }
  Response* response() { return &response_; }

 protected:
  Request* mutable_request() { return &request_; }
  const Response& written_response() const { return response_; }

 private:
  Request request_;
  Response response_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_API_API_CALL_H_
