// The HTTP status of an API error, as Google's HTTP/JSON APIs (and grpc-gateway) map gRPC's codes.
#ifndef ITACLIP_SERVER_HTTP_HTTP_STATUS_H_
#define ITACLIP_SERVER_HTTP_HTTP_STATUS_H_

#include "absl/status/status.h"

namespace itaclip::server {

// 200 for OK; e.g. INVALID_ARGUMENT 400, UNAUTHENTICATED 401, NOT_FOUND 404,
// RESOURCE_EXHAUSTED 429, UNAVAILABLE 503, DEADLINE_EXCEEDED 504, CANCELLED 499.
int HttpStatusOf(absl::StatusCode code);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_HTTP_HTTP_STATUS_H_
