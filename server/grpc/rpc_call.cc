#include "server/grpc/rpc_call.h"

#include <chrono>

#include "absl/time/clock.h"
#include "server/observability/request_id.h"

namespace itaclip::server {

CallContext GrpcCallContext(grpc::CallbackServerContext* context, const char* method,
                            ServerMetrics* metrics, absl::Duration max_duration) {
  // gRPC's "no deadline" is the end of time.
  const std::chrono::system_clock::time_point client = context->deadline();
  std::optional<absl::Time> client_deadline;
  if (client != std::chrono::system_clock::time_point::max()) {
    client_deadline = absl::FromChrono(client);
  }
  CallContext call = NewCallContext(method, "grpc", context->peer(),
                                    RequestIdFromMetadata(context->client_metadata()), metrics,
                                    max_duration, client_deadline);
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
