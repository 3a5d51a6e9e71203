#include "server/api/api_call.h"

#include <string>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/observability/log.h"
#include "server/observability/server_metrics.h"

namespace itaclip::server {

CallContext NewCallContext(const char* method, const char* transport, std::string peer,
                           std::string request_id, ServerMetrics* metrics,
                           absl::Duration max_duration, std::optional<absl::Time> client_deadline) {
  CallContext call;
  call.method = method;
  call.transport = transport;
  call.peer = std::move(peer);
  call.request_id = std::move(request_id);
  call.received = absl::Now();
  call.metrics = metrics;
  const absl::Time server_limit = call.received + max_duration;
  if (client_deadline.has_value() && *client_deadline <= server_limit) {
    call.cancel = std::make_shared<CancelToken>(*client_deadline);
  } else {
    call.cancel = std::make_shared<CancelToken>(
        server_limit, absl::StrCat("the server's max_request_seconds, ",
                                   absl::ToDoubleSeconds(max_duration), " s"));
  }
  return call;
}

void ApiCall::Finish(const absl::Status& requested) {
  absl::Status status = requested;
  if (status.ok()) status = WriteResponse();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - context_.received);
  const std::string code = absl::StatusCodeToString(status.code());
  if (context_.metrics != nullptr) context_.metrics->RecordRequest(context_.method, code, seconds);
  {
    LogLine line = Log(status.ok() ? LogLevel::kInfo : LogLevel::kWarning, "rpc");
    line.With("method", context_.method)
        .With("transport", context_.transport)
        .With("request_id", context_.request_id)
        .With("code", code)
        .With("ms", seconds * 1000.0)
        .With("peer", context_.peer);
    if (!status.ok()) line.With("error", status.message());
  }
  Deliver(status);  // last: the transport may delete the call
}

}  // namespace itaclip::server
