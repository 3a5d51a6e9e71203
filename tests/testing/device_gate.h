// A latch for ServerHooks::before_device_batch: a test closes it to hold the server's device thread
// just before its next ViT batch, learns when the thread is held (WaitUntilBlocked), does what it
// needs with a request parked at a known point (fill the queue, cancel it, let its deadline pass,
// drain), then opens it. No sleeps: every wait is on a state change.
#ifndef ITACLIP_TESTS_TESTING_DEVICE_GATE_H_
#define ITACLIP_TESTS_TESTING_DEVICE_GATE_H_

#include <cstdint>
#include <functional>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/time.h"

namespace itaclip::testing {

class DeviceGate {
 public:
  DeviceGate() = default;
  DeviceGate(const DeviceGate&) = delete;
  DeviceGate& operator=(const DeviceGate&) = delete;

  // The function to install as ServerHooks::before_device_batch. The gate must outlive the server
  // (or at least its device thread). The gate starts open: the server's warm-up batch goes through
  // it during Server::Start.
  std::function<void()> Hook();

  // The device thread blocks at its next batch until Open().
  void Close();
  // Releases a held device thread and lets every later batch through.
  void Open();

  // Waits until the device thread is held at the closed gate. False when `timeout` passes first.
  bool WaitUntilBlocked(absl::Duration timeout = absl::Seconds(60));

  // Batches that have passed the gate (held or not): the warm-up's included.
  int64_t batches_passed() const;

 private:
  void Pass();  // runs on the device thread

  mutable absl::Mutex mu_;
  bool closed_ ABSL_GUARDED_BY(mu_) = false;
  bool blocked_ ABSL_GUARDED_BY(mu_) = false;
  // Bumped by each Open(), so that an Open() quickly followed by a Close() still releases the
  // batch that was held (the device thread may not have run in between); the next batch then
  // blocks again.
  int64_t openings_ ABSL_GUARDED_BY(mu_) = 0;
  int64_t batches_passed_ ABSL_GUARDED_BY(mu_) = 0;
};

}  // namespace itaclip::testing

#endif  // ITACLIP_TESTS_TESTING_DEVICE_GATE_H_
