#include "server/api/api_call.h"

#include <string>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "server/observability/log.h"
#include "server/observability/server_metrics.h"

namespace itaclip::server {

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
