// `itaclip health [--service NAME]`: asks the server's grpc.health.v1.Health/Check and prints the
// serving status; succeeds only when SERVING (for scripts, probes and the Docker HEALTHCHECK).
#ifndef ITACLIP_CLIENT_COMMANDS_HEALTH_COMMAND_H_
#define ITACLIP_CLIENT_COMMANDS_HEALTH_COMMAND_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "client/connection/channel_factory.h"

namespace itaclip::client {

// The status name the server reports for `service` ("SERVING", "NOT_SERVING", "UNKNOWN",
// "SERVICE_UNKNOWN"). Errors: the call's gRPC status, named ("UNAVAILABLE: ...", "NOT_FOUND: ..."
// for a service the server does not know).
absl::StatusOr<std::string> CheckHealth(const ChannelFactory& channels, const std::string& service);

struct HealthOptions {
  ConnectionSettings connection;
  std::string service;  // --service: empty asks about the server as a whole
};

// Prints CheckHealth's answer on stdout. OK only for SERVING; UNAVAILABLE for any other answer.
absl::Status RunHealthCommand(const HealthOptions& options);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_COMMANDS_HEALTH_COMMAND_H_
