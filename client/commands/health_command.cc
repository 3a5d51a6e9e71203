#include "client/commands/health_command.h"

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"
#include "client/connection/grpc_status.h"
#include "core/common/status_macros.h"

namespace itaclip::client {

using grpc::health::v1::HealthCheckResponse;

absl::StatusOr<std::string> CheckHealth(const ChannelFactory& channels,
                                        const std::string& service) {
  std::unique_ptr<grpc::health::v1::Health::Stub> stub = channels.NewHealthStub();
  std::unique_ptr<grpc::ClientContext> context = channels.NewCallContext();
  grpc::health::v1::HealthCheckRequest request;
  request.set_service(service);
  HealthCheckResponse response;
  RETURN_IF_ERROR(FromGrpcStatus(stub->Check(context.get(), request, &response)));
  // An enum value this client does not know (a newer server) still gets a printable name.
  const std::string& name = HealthCheckResponse::ServingStatus_Name(response.status());
  return name.empty() ? absl::StrCat("STATUS_", static_cast<int>(response.status())) : name;
}

absl::Status RunHealthCommand(const HealthOptions& options) {
  ASSIGN_OR_RETURN(ChannelFactory channels, ChannelFactory::Connect(options.connection));
  const std::string& service = options.service;
  ASSIGN_OR_RETURN(std::string status, CheckHealth(channels, service));
  std::printf("%s\n", status.c_str());
  if (status == "SERVING") return absl::OkStatus();
  return absl::UnavailableError(absl::StrCat(service.empty() ? "the server" : service, " at ",
                                             channels.target(), " is ", status));
}

}  // namespace itaclip::client
