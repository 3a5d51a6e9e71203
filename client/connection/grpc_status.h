// Turns a failed call's grpc::Status into the absl::Status the commands return, naming the code so
// that the one-line error says what happened (e.g. "RESOURCE_EXHAUSTED: the server's queue is
// full").
#ifndef ITACLIP_CLIENT_CONNECTION_GRPC_STATUS_H_
#define ITACLIP_CLIENT_CONNECTION_GRPC_STATUS_H_

#include <grpcpp/support/status.h>

#include <string>

#include "absl/status/status.h"

namespace itaclip::client {

// The canonical name of a gRPC status code ("OK", "UNAVAILABLE", ...); "CODE_<n>" for a number
// outside the 17 codes.
std::string GrpcCodeName(grpc::StatusCode code);

// OK for OK; otherwise the same code (gRPC and absl share the numbering) with the message
// "<CODE_NAME>: <server message>", or just "<CODE_NAME>" when the server sent none.
absl::Status FromGrpcStatus(const grpc::Status& status);

}  // namespace itaclip::client

#endif  // ITACLIP_CLIENT_CONNECTION_GRPC_STATUS_H_
