// A point in a device's work queue, so a thread can learn when the work queued before it is done
// without waiting for everything queued since (SynchronizeDevice waits for all of it).
#ifndef ITACLIP_CORE_COMMON_DEVICE_MARKER_H_
#define ITACLIP_CORE_COMMON_DEVICE_MARKER_H_

#include <c10/core/Device.h>

#include <functional>
#include <memory>

namespace c10 {
struct Event;
}  // namespace c10

namespace itaclip {

class DeviceMarker {
 public:
  // A marker that is already reached (what Record gives on the CPU).
  DeviceMarker();
  // A marker reached when `reached` says so: a stand-in for a device that runs behind the host
  // (tests exercise the server's pipelining on the CPU with it).
  explicit DeviceMarker(std::function<bool()> reached);

  // Marks the current end of `device`'s current stream (a CUDA event). On the CPU, ops run when
  // they are called, so the marker is reached at once.
  static DeviceMarker Record(const c10::Device& device);

  // Whether the device has done everything queued before the marker. Throws c10::Error when the
  // device reports an error (an asynchronous CUDA error surfaces here).
  bool Reached() const;

  // Returns once Reached(). LibTorch 1.13's c10::Event has no blocking wait, so this polls every
  // `kPollMicroseconds`: short next to a ViT batch (milliseconds). Throws like Reached().
  void Wait() const;

  static constexpr int kPollMicroseconds = 50;

 private:
  std::shared_ptr<c10::Event> event_;  // null: reached, unless reached_ says otherwise
  std::function<bool()> reached_;
};

}  // namespace itaclip

#endif  // ITACLIP_CORE_COMMON_DEVICE_MARKER_H_
