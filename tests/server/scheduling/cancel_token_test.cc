// CancelToken: cancellation and deadlines, and messages that name the stage.
#include "server/scheduling/cancel_token.h"

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;

TEST(CancelTokenTest, IsOkWithoutCancelOrDeadline) {
  CancelToken token;
  EXPECT_TRUE(token.Check("decoding the image").ok());
  EXPECT_EQ(token.deadline(), absl::InfiniteFuture());
}

TEST(CancelTokenTest, IsOkBeforeAFutureDeadline) {
  CancelToken token(absl::Now() + absl::Hours(1));
  EXPECT_TRUE(token.Check("decoding the image").ok());
}

TEST(CancelTokenTest, CancelGivesCancelledNamingTheStage) {
  CancelToken token;
  token.Cancel();
  absl::Status status = token.Check("its next ViT batch");
  EXPECT_EQ(status.code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(status.message(), HasSubstr("its next ViT batch"));
}

TEST(CancelTokenTest, PastDeadlineGivesDeadlineExceededNamingTheStage) {
  CancelToken token(absl::Now() - absl::Milliseconds(1));
  absl::Status status = token.Check("post-processing");
  EXPECT_EQ(status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr("post-processing"));
}

TEST(CancelTokenTest, CancellationIsReportedEvenAfterTheDeadline) {
  // A client that went away is told CANCELLED, whatever its deadline.
  CancelToken token(absl::Now() - absl::Seconds(1));
  token.Cancel();
  EXPECT_EQ(token.Check("preparing the crops").code(), absl::StatusCode::kCancelled);
}

}  // namespace
}  // namespace itaclip::server
