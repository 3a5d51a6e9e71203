// The listening port's credentials: insecure, TLS, or mutual TLS (client certificates required and
// verified against a CA) from the PEM files named in TlsConfig.
#ifndef ITACLIP_SERVER_GRPC_SERVER_CREDENTIALS_H_
#define ITACLIP_SERVER_GRPC_SERVER_CREDENTIALS_H_

#include <grpcpp/security/server_credentials.h>

#include <memory>

#include "absl/status/statusor.h"
#include "itaclip/v1/server_config.pb.h"

namespace itaclip::server {

// NOT_FOUND when a PEM file cannot be read; INVALID_ARGUMENT when one is empty.
absl::StatusOr<std::shared_ptr<grpc::ServerCredentials>> MakeServerCredentials(
    const v1::TlsConfig& tls);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_GRPC_SERVER_CREDENTIALS_H_
