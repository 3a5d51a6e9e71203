#include "server/grpc/rpc_call.h"

#include <chrono>
#include <memory>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "server/observability/request_id.h"

namespace itaclip::server {

CallContext GrpcCallContext(grpc::CallbackServerContext* context, const char* method,
                            ServerMetrics* metrics, absl::Duration max_duration) {
  CallContext call;
  call.method = method;
  call.transport = "grpc";
  call.peer = context->peer();
  call.request_id = RequestIdFromMetadata(context->client_metadata());
  call.received = absl::Now();
  call.metrics = metrics;
  // The client's deadline, or the server's limit when the client sets none or a later one.
  const std::chrono::system_clock::time_point client = context->deadline();
  const absl::Time server_limit = call.received + max_duration;
  if (client != std::chrono::system_clock::time_point::max() &&
      absl::FromChrono(client) <= server_limit) {
    call.cancel = std::make_shared<CancelToken>(absl::FromChrono(client));
  } else {
    call.cancel = std::make_shared<CancelToken>(
        server_limit, absl::StrCat("the server's max_request_seconds, ",
                                   absl::ToDoubleSeconds(max_duration), " s"));
  }
  context->AddInitialMetadata("x-request-id", call.request_id);
  return call;
}

std::optional<absl::string_view> AuthorizationMetadata(const grpc::CallbackServerContext& context) {
  const auto& metadata = context.client_metadata();
  auto it = metadata.find("authorization");
  if (it == metadata.end()) return std::nullopt;
  return absl::string_view(it->second.data(), it->second.size());
}

void CancelOnGrpcCancel(CancelToken& token) {
  // gRPC calls OnCancel both when the client cancels and when the call's deadline expires. An
  // expired deadline is left to the token, which then reports DEADLINE_EXCEEDED (a cancelled token
  // would report CANCELLED); the slack covers a deadline timer that fires a little early.
  constexpr absl::Duration kDeadlineTimerSlack = absl::Milliseconds(5);
  if (absl::Now() + kDeadlineTimerSlack < token.deadline()) token.Cancel();
}

}  // namespace itaclip::server
