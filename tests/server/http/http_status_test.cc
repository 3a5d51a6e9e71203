// HttpStatusOf: the statuses the issue names (400, 401, 404, 429, 503, 504) and the rest of gRPC's
// codes, as grpc-gateway maps them (runtime/errors.go, HTTPStatusFromCode).
#include "server/http/http_status.h"

#include "gtest/gtest.h"

namespace itaclip::server {
namespace {

TEST(HttpStatusTest, MapsEveryCodeAsGrpcGatewayDoes) {
  using absl::StatusCode;
  const struct {
    StatusCode code;
    int http;
  } cases[] = {{StatusCode::kOk, 200},
               {StatusCode::kCancelled, 499},
               {StatusCode::kUnknown, 500},
               {StatusCode::kInvalidArgument, 400},
               {StatusCode::kDeadlineExceeded, 504},
               {StatusCode::kNotFound, 404},
               {StatusCode::kAlreadyExists, 409},
               {StatusCode::kPermissionDenied, 403},
               {StatusCode::kResourceExhausted, 429},
               {StatusCode::kFailedPrecondition, 400},
               {StatusCode::kAborted, 409},
               {StatusCode::kOutOfRange, 400},
               {StatusCode::kUnimplemented, 501},
               {StatusCode::kInternal, 500},
               {StatusCode::kUnavailable, 503},
               {StatusCode::kDataLoss, 500},
               {StatusCode::kUnauthenticated, 401}};
  for (const auto& c : cases) {
    EXPECT_EQ(HttpStatusOf(c.code), c.http) << absl::StatusCodeToString(c.code);
  }
}

}  // namespace
}  // namespace itaclip::server
