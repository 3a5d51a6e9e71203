// absl::Status -> grpc::Status: the only place the two meet. Messages are capped so that an error
// about a huge input cannot make a huge trailer.
#ifndef ITACLIP_SERVER_GRPC_STATUS_CONVERSION_H_
#define ITACLIP_SERVER_GRPC_STATUS_CONVERSION_H_

#include <grpcpp/support/status.h>

#include "absl/status/status.h"

namespace itaclip::server {

inline constexpr size_t kMaxStatusMessageBytes = 1024;

grpc::Status ToGrpcStatus(const absl::Status& status);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_GRPC_STATUS_CONVERSION_H_
