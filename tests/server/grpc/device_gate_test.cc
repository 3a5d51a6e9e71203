// DeviceGate (tests/testing/device_gate.h), with a plain thread standing in for the device thread.
#include "tests/testing/device_gate.h"

#include <functional>
#include <thread>

#include "absl/synchronization/notification.h"
#include "gtest/gtest.h"

namespace itaclip::testing {
namespace {

TEST(DeviceGateTest, AnOpenGateLetsBatchesThrough) {
  DeviceGate gate;
  std::function<void()> hook = gate.Hook();
  hook();
  hook();
  EXPECT_EQ(gate.batches_passed(), 2);
  EXPECT_FALSE(gate.WaitUntilBlocked(absl::Milliseconds(1)));
}

TEST(DeviceGateTest, AClosedGateHoldsTheNextBatchUntilOpened) {
  DeviceGate gate;
  gate.Close();
  absl::Notification passed;
  std::thread device([&] {
    gate.Hook()();
    passed.Notify();
  });
  ASSERT_TRUE(gate.WaitUntilBlocked());
  EXPECT_FALSE(passed.HasBeenNotified());
  EXPECT_EQ(gate.batches_passed(), 0);
  gate.Open();
  passed.WaitForNotification();
  device.join();
  EXPECT_EQ(gate.batches_passed(), 1);
}

TEST(DeviceGateTest, OpenThenCloseReleasesTheHeldBatchAndHoldsTheNext) {
  DeviceGate gate;
  gate.Close();
  absl::Notification first_passed, closed_again;
  std::thread device([&] {
    gate.Hook()();
    first_passed.Notify();
    // The next batch comes after the test has closed the gate again (without this, a thread that
    // wakes between Open() and Close() would let it through the still-open gate).
    closed_again.WaitForNotification();
    gate.Hook()();
  });
  ASSERT_TRUE(gate.WaitUntilBlocked());
  gate.Open();
  gate.Close();  // before the device thread may even have woken up
  closed_again.Notify();
  first_passed.WaitForNotification();
  ASSERT_TRUE(gate.WaitUntilBlocked());  // the second batch, not a stale state of the first
  EXPECT_EQ(gate.batches_passed(), 1);
  gate.Open();
  device.join();
  EXPECT_EQ(gate.batches_passed(), 2);
}

}  // namespace
}  // namespace itaclip::testing
