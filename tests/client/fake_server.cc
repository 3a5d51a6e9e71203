#include "tests/client/fake_server.h"

#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server_builder.h>

#include "absl/strings/str_cat.h"

namespace itaclip::client::testing {
namespace {

bool HasToken(const grpc::ServerContext& context, const std::string& token) {
  const auto& metadata = context.client_metadata();
  const auto found = metadata.find("authorization");
  return found != metadata.end() &&
         std::string(found->second.data(), found->second.size()) == "Bearer " + token;
}

}  // namespace

grpc::Status FakeHealthService::Check(grpc::ServerContext* context,
                                      const grpc::health::v1::HealthCheckRequest* request,
                                      grpc::health::v1::HealthCheckResponse* response) {
  {
    absl::MutexLock lock(&mutex_);
    last_deadline_ = context->deadline();
  }
  if (!required_token.empty() && !HasToken(*context, required_token)) {
    return grpc::Status(grpc::StatusCode::UNAUTHENTICATED, "missing or wrong bearer token");
  }
  if (request->service().empty()) {
    response->set_status(health_status);
  } else if (request->service() == "down") {
    response->set_status(grpc::health::v1::HealthCheckResponse::NOT_SERVING);
  } else {
    return grpc::Status(grpc::StatusCode::NOT_FOUND, "unknown service");
  }
  return grpc::Status::OK;
}

std::chrono::system_clock::time_point FakeHealthService::last_deadline() const {
  absl::MutexLock lock(&mutex_);
  return last_deadline_;
}

v1::RegisterClassesRequest FakeSegmentationService::last_register_request() const {
  absl::MutexLock lock(&mutex_);
  return last_register_request_;
}

v1::SegmentRequest FakeSegmentationService::last_segment_request() const {
  absl::MutexLock lock(&mutex_);
  return last_segment_request_;
}

grpc::Status FakeSegmentationService::Segment(grpc::ServerContext*,
                                              const v1::SegmentRequest* request,
                                              v1::SegmentResponse* response) {
  ++segment_calls;
  {
    absl::MutexLock lock(&mutex_);
    last_segment_request_ = *request;
  }
  if (!on_segment) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no handler");
  return on_segment(*request, response);
}

grpc::Status FakeSegmentationService::RegisterClasses(grpc::ServerContext*,
                                                      const v1::RegisterClassesRequest* request,
                                                      v1::RegisterClassesResponse* response) {
  {
    absl::MutexLock lock(&mutex_);
    last_register_request_ = *request;
  }
  if (!on_register) return grpc::Status(grpc::StatusCode::UNIMPLEMENTED, "no handler");
  return on_register(*request, response);
}

FakeServer::FakeServer() {
  grpc::ServerBuilder builder;
  builder.AddListeningPort("localhost:0", grpc::InsecureServerCredentials(), &port_);
  builder.RegisterService(&health_);
  builder.RegisterService(&segmentation_);
  server_ = builder.BuildAndStart();
}

FakeServer::~FakeServer() {
  if (server_ != nullptr) server_->Shutdown();
}

std::string FakeServer::address() const { return absl::StrCat("localhost:", port_); }

}  // namespace itaclip::client::testing
