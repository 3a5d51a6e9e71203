#include "server/grpc/rpc_call.h"

#include <chrono>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/grpc/status_conversion.h"
#include "server/observability/log.h"
#include "server/observability/request_id.h"
#include "server/observability/server_metrics.h"

namespace itaclip::server {
namespace {

// The client's deadline, or the server's limit when the client sets none or a later one.
std::shared_ptr<CancelToken> CallCancelToken(const grpc::CallbackServerContext& context,
                                             absl::Time received, absl::Duration max_duration) {
  const std::chrono::system_clock::time_point client = context.deadline();
  const absl::Time server_limit = received + max_duration;
  if (client != std::chrono::system_clock::time_point::max() &&
      absl::FromChrono(client) <= server_limit) {
    return std::make_shared<CancelToken>(absl::FromChrono(client));
  }
  return std::make_shared<CancelToken>(server_limit,
                                       absl::StrCat("the server's max_request_seconds, ",
                                                    absl::ToDoubleSeconds(max_duration), " s"));
}

}  // namespace

RpcCall::RpcCall(grpc::CallbackServerContext* context, const char* method, ServerMetrics* metrics,
                 absl::Duration max_duration)
    : context_(context),
      method_(method),
      metrics_(metrics),
      received_(absl::Now()),
      request_id_(RequestIdFromMetadata(context->client_metadata())),
      cancel_(CallCancelToken(*context, received_, max_duration)) {
  context_->AddInitialMetadata("x-request-id", request_id_);
}

void RpcCall::Finish(const absl::Status& requested) {
  absl::Status status = requested;
  if (status.ok()) status = WriteResponse();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - received_);
  const std::string code = absl::StatusCodeToString(status.code());
  if (metrics_ != nullptr) metrics_->RecordRequest(method_, code, seconds);
  {
    LogLine line = Log(status.ok() ? LogLevel::kInfo : LogLevel::kWarning, "rpc");
    line.With("method", method_)
        .With("request_id", request_id_)
        .With("code", code)
        .With("ms", seconds * 1000.0)
        .With("peer", context_->peer());
    if (!status.ok()) line.With("error", status.message());
  }
  ServerUnaryReactor::Finish(ToGrpcStatus(status));
}

void RpcCall::OnCancel() {
  // gRPC calls OnCancel both when the client cancels and when the call's deadline expires. An
  // expired deadline is left to the token, which then reports DEADLINE_EXCEEDED (a cancelled token
  // would report CANCELLED); the slack covers a deadline timer that fires a little early.
  constexpr absl::Duration kDeadlineTimerSlack = absl::Milliseconds(5);
  if (absl::Now() + kDeadlineTimerSlack < cancel_->deadline()) cancel_->Cancel();
}

void RpcCall::OnDone() { delete this; }

}  // namespace itaclip::server
