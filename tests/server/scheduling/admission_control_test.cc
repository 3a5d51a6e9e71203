// AdmissionControl: the bound on admitted calls, ticket release, drain and WaitUntilIdle.
#include "server/scheduling/admission_control.h"

#include <cstdint>
#include <limits>
#include <memory>
#include <thread>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;

constexpr int64_t kNoMemoryLimit = std::numeric_limits<int64_t>::max() / 2;

TEST(AdmissionControlTest, AdmitsUpToTheMaximumThenRefusesWithResourceExhausted) {
  AdmissionControl admission(3, kNoMemoryLimit);
  EXPECT_EQ(admission.max_pending(), 3);
  std::vector<std::unique_ptr<AdmissionTicket>> tickets;
  for (int i = 0; i < 3; ++i) {
    absl::StatusOr<std::unique_ptr<AdmissionTicket>> ticket = admission.TryAdmit();
    ASSERT_TRUE(ticket.ok()) << "call " << i << ": " << ticket.status();
    tickets.push_back(*std::move(ticket));
    EXPECT_EQ(admission.pending(), i + 1);
  }
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> refused = admission.TryAdmit();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(refused.status().message(), HasSubstr("max_pending_requests=3"));
  // A refusal takes no place.
  EXPECT_EQ(admission.pending(), 3);
}

TEST(AdmissionControlTest, ReleasingATicketFreesItsPlace) {
  AdmissionControl admission(1, kNoMemoryLimit);
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> first = admission.TryAdmit();
  ASSERT_TRUE(first.ok());
  EXPECT_FALSE(admission.TryAdmit().ok());
  first->reset();
  EXPECT_EQ(admission.pending(), 0);
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> second = admission.TryAdmit();
  EXPECT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(admission.pending(), 1);
}

TEST(AdmissionControlTest, AMovedTicketReleasesItsPlaceOnce) {
  AdmissionControl admission(2, kNoMemoryLimit);
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> a = admission.TryAdmit();
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> b = admission.TryAdmit();
  ASSERT_TRUE(a.ok() && b.ok());
  {
    AdmissionTicket moved(std::move(**a));
    a->reset();  // the moved-from ticket owns nothing
    EXPECT_EQ(admission.pending(), 2);
  }
  EXPECT_EQ(admission.pending(), 1);
  b->reset();
  EXPECT_EQ(admission.pending(), 0);
}

TEST(AdmissionControlTest, CloseRefusesNewCallsWithUnavailableButKeepsAdmittedOnes) {
  AdmissionControl admission(4, kNoMemoryLimit);
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> admitted = admission.TryAdmit();
  ASSERT_TRUE(admitted.ok());
  admission.Close();
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> refused = admission.TryAdmit();
  EXPECT_EQ(refused.status().code(), absl::StatusCode::kUnavailable);
  EXPECT_THAT(refused.status().message(), HasSubstr("shutting down"));
  EXPECT_EQ(admission.pending(), 1);
  admitted->reset();
  EXPECT_EQ(admission.pending(), 0);
  // Still closed once idle.
  EXPECT_EQ(admission.TryAdmit().status().code(), absl::StatusCode::kUnavailable);
}

TEST(AdmissionControlTest, WaitUntilIdleIsTrueAtOnceWhenNothingIsPending) {
  AdmissionControl admission(2, kNoMemoryLimit);
  EXPECT_TRUE(admission.WaitUntilIdle(absl::ZeroDuration()));
}

TEST(AdmissionControlTest, WaitUntilIdleTimesOutWhileACallIsPending) {
  AdmissionControl admission(2, kNoMemoryLimit);
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> ticket = admission.TryAdmit();
  ASSERT_TRUE(ticket.ok());
  const absl::Time start = absl::Now();
  EXPECT_FALSE(admission.WaitUntilIdle(absl::Milliseconds(50)));
  EXPECT_GE(absl::Now() - start, absl::Milliseconds(50));
}

TEST(AdmissionControlTest, WaitUntilIdleReturnsTrueWhenTheLastTicketIsReleasedElsewhere) {
  AdmissionControl admission(2, kNoMemoryLimit);
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> ticket = admission.TryAdmit();
  ASSERT_TRUE(ticket.ok());
  std::thread releaser([&ticket] { ticket->reset(); });
  // Far longer than the release takes: true means the wait saw the release, not the timeout.
  EXPECT_TRUE(admission.WaitUntilIdle(absl::Seconds(30)));
  releaser.join();
  EXPECT_EQ(admission.pending(), 0);
}

TEST(AdmissionControlTest, TheSumOfEstimatesIsBoundedAndReleasedWithTheTickets) {
  AdmissionControl admission(10, /*max_memory_bytes=*/100);
  auto a = admission.TryAdmit(60);
  ASSERT_TRUE(a.ok()) << a.status();
  auto b = admission.TryAdmit(40);  // 100: exactly the limit
  ASSERT_TRUE(b.ok()) << b.status();
  EXPECT_EQ(admission.pending_bytes(), 100);
  auto c = admission.TryAdmit(1);
  ASSERT_FALSE(c.ok());
  EXPECT_EQ(c.status().code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(c.status().message(), HasSubstr("max_server_memory_bytes"));
  a->reset();
  EXPECT_EQ(admission.pending_bytes(), 40);
  EXPECT_TRUE(admission.TryAdmit(60).ok());  // released at once again: the ticket is a temporary
  EXPECT_EQ(admission.pending_bytes(), 40);
}

TEST(AdmissionControlTest, ACallAloneIsAdmittedWhateverItsEstimate) {
  // The per-request limit is checked before; the server limit must not starve a single call.
  AdmissionControl admission(10, /*max_memory_bytes=*/100);
  auto big = admission.TryAdmit(500);
  ASSERT_TRUE(big.ok()) << big.status();
  EXPECT_EQ(admission.TryAdmit(1).status().code(), absl::StatusCode::kResourceExhausted);
}

}  // namespace
}  // namespace itaclip::server
