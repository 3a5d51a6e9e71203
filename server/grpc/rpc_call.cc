#include "server/grpc/rpc_call.h"

#include <chrono>

#include "absl/status/status.h"
#include "absl/time/clock.h"
#include "server/grpc/status_conversion.h"
#include "server/observability/log.h"
#include "server/observability/request_id.h"
#include "server/observability/server_metrics.h"

namespace itaclip::server {
namespace {

absl::Time CallDeadline(const grpc::CallbackServerContext& context) {
  const std::chrono::system_clock::time_point deadline = context.deadline();
  if (deadline == std::chrono::system_clock::time_point::max()) return absl::InfiniteFuture();
  return absl::FromChrono(deadline);
}

}  // namespace

RpcCall::RpcCall(grpc::CallbackServerContext* context, const char* method, ServerMetrics* metrics)
    : context_(context),
      method_(method),
      metrics_(metrics),
      received_(absl::Now()),
      request_id_(RequestIdFromMetadata(context->client_metadata())),
      cancel_(std::make_shared<CancelToken>(CallDeadline(*context))) {
  context_->AddInitialMetadata("x-request-id", request_id_);
}

void RpcCall::Finish(const absl::Status& status) {
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
