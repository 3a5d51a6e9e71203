// FromGrpcStatus: the code survives and the message names it.
#include "client/connection/grpc_status.h"

#include <gtest/gtest.h>

namespace itaclip::client {
namespace {

TEST(GrpcStatusTest, OkStaysOk) { EXPECT_TRUE(FromGrpcStatus(grpc::Status::OK).ok()); }

TEST(GrpcStatusTest, CodeIsKeptAndNamedInTheMessage) {
  const absl::Status status =
      FromGrpcStatus(grpc::Status(grpc::StatusCode::RESOURCE_EXHAUSTED,
                                  "the server's queue is full (max_pending_requests=64)"));
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_EQ(status.message(),
            "RESOURCE_EXHAUSTED: the server's queue is full (max_pending_requests=64)");
}

TEST(GrpcStatusTest, EmptyMessageIsJustTheName) {
  const absl::Status status = FromGrpcStatus(grpc::Status(grpc::StatusCode::UNAVAILABLE, ""));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "UNAVAILABLE");
}

TEST(GrpcStatusTest, EveryCodeHasItsCanonicalName) {
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::DEADLINE_EXCEEDED), "DEADLINE_EXCEEDED");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::UNAUTHENTICATED), "UNAUTHENTICATED");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::CANCELLED), "CANCELLED");
  EXPECT_EQ(GrpcCodeName(grpc::StatusCode::DATA_LOSS), "DATA_LOSS");
}

TEST(GrpcStatusTest, UnknownNumberStillFails) {
  const absl::Status status =
      FromGrpcStatus(grpc::Status(static_cast<grpc::StatusCode>(99), "odd"));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnknown);
  EXPECT_EQ(status.message(), "CODE_99: odd");
}

}  // namespace
}  // namespace itaclip::client
