#include "server/lifecycle/health_state.h"

namespace itaclip::server {

void SetHealth(grpc::HealthCheckServiceInterface* health, bool serving) {
  if (health == nullptr) return;
  health->SetServingStatus("", serving);
  health->SetServingStatus(kSegmentationServiceName, serving);
}

}  // namespace itaclip::server
