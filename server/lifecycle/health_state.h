// The server's serving state as the standard grpc.health.v1 service reports it, for the whole
// server
// ("") and for itaclip.v1.SegmentationService: NOT_SERVING while the model loads and warms up,
// SERVING after, NOT_SERVING again from the start of the drain.
#ifndef ITACLIP_SERVER_LIFECYCLE_HEALTH_STATE_H_
#define ITACLIP_SERVER_LIFECYCLE_HEALTH_STATE_H_

#include <grpcpp/health_check_service_interface.h>

namespace itaclip::server {

inline constexpr char kSegmentationServiceName[] = "itaclip.v1.SegmentationService";

// `health` is the gRPC server's default health service (null: nothing to report to).
void SetHealth(grpc::HealthCheckServiceInterface* health, bool serving);

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_LIFECYCLE_HEALTH_STATE_H_
