// An in-process gRPC server with scripted Health and SegmentationService handlers, so the client's
// commands can be tested over a real channel without the model or itaclip-server.
#ifndef ITACLIP_TESTS_CLIENT_FAKE_SERVER_H_
#define ITACLIP_TESTS_CLIENT_FAKE_SERVER_H_

#include <grpcpp/server.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "absl/synchronization/mutex.h"
#include "grpc/health/v1/health.grpc.pb.h"
#include "itaclip/v1/segmentation_service.grpc.pb.h"

namespace itaclip::client::testing {

// Answers Health/Check with `health_status` for the service "" and NOT_SERVING for "down"; any
// other service is NOT_FOUND. When `required_token` is set, every call without `authorization:
// Bearer <required_token>` is UNAUTHENTICATED.
class FakeHealthService final : public grpc::health::v1::Health::Service {
 public:
  std::string required_token;
  grpc::health::v1::HealthCheckResponse::ServingStatus health_status =
      grpc::health::v1::HealthCheckResponse::SERVING;

  // The deadline the server saw on the last Check (the client's, as carried by grpc-timeout).
  std::chrono::system_clock::time_point last_deadline() const;

  grpc::Status Check(grpc::ServerContext* context,
                     const grpc::health::v1::HealthCheckRequest* request,
                     grpc::health::v1::HealthCheckResponse* response) override;

 private:
  mutable absl::Mutex mutex_;
  std::chrono::system_clock::time_point last_deadline_ ABSL_GUARDED_BY(mutex_);
};

// Each RPC runs the test's handler (a default one answers UNIMPLEMENTED) and keeps the last
// request.
class FakeSegmentationService final : public v1::SegmentationService::Service {
 public:
  std::function<grpc::Status(const v1::SegmentRequest&, v1::SegmentResponse*)> on_segment;
  std::function<grpc::Status(const v1::RegisterClassesRequest&, v1::RegisterClassesResponse*)>
      on_register;
  std::atomic<int> segment_calls{0};

  v1::RegisterClassesRequest last_register_request() const;
  v1::SegmentRequest last_segment_request() const;

  grpc::Status Segment(grpc::ServerContext* context, const v1::SegmentRequest* request,
                       v1::SegmentResponse* response) override;
  grpc::Status RegisterClasses(grpc::ServerContext* context,
                               const v1::RegisterClassesRequest* request,
                               v1::RegisterClassesResponse* response) override;

 private:
  mutable absl::Mutex mutex_;
  v1::RegisterClassesRequest last_register_request_ ABSL_GUARDED_BY(mutex_);
  v1::SegmentRequest last_segment_request_ ABSL_GUARDED_BY(mutex_);
};

// Both services on an insecure port picked by the system. Set the handlers before the first call.
class FakeServer {
 public:
  FakeServer();
  ~FakeServer();

  std::string address() const;  // "localhost:<port>"
  FakeHealthService& health() { return health_; }
  FakeSegmentationService& segmentation() { return segmentation_; }

 private:
  FakeHealthService health_;
  FakeSegmentationService segmentation_;
  std::unique_ptr<grpc::Server> server_;
  int port_ = 0;
};

}  // namespace itaclip::client::testing

#endif  // ITACLIP_TESTS_CLIENT_FAKE_SERVER_H_
