#include "core/common/device_marker.h"

#include <c10/core/Event.h>
#include <c10/core/impl/DeviceGuardImplInterface.h>

#include <utility>

#include "absl/time/clock.h"
#include "absl/time/time.h"

namespace itaclip {

DeviceMarker::DeviceMarker() = default;

DeviceMarker::DeviceMarker(std::function<bool()> reached) : reached_(std::move(reached)) {}

DeviceMarker DeviceMarker::Record(const c10::Device& device) {
  DeviceMarker marker;
  if (device.is_cpu()) return marker;
  marker.event_ = std::make_shared<c10::Event>(device.type());
  marker.event_->record(c10::impl::getDeviceGuardImpl(device.type())->getStream(device));
  return marker;
}

bool DeviceMarker::Reached() const {
  if (reached_) return reached_();
  return event_ == nullptr || event_->query();
}

void DeviceMarker::Wait() const {
  while (!Reached()) absl::SleepFor(absl::Microseconds(kPollMicroseconds));
}

}  // namespace itaclip
