#include "server/grpc/segmentation_service.h"

#include <utility>

#include "absl/status/status.h"

namespace itaclip::server {

SegmentationService::SegmentationService(SegmentationApi* api, BearerTokenAuth auth,
                                         ServerMetrics* metrics)
    : api_(api), auth_(std::move(auth)), metrics_(metrics) {}

template <typename Request, typename Response>
grpc::ServerUnaryReactor* SegmentationService::Handle(
    grpc::CallbackServerContext* context, const char* method, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes,
    void (SegmentationApi::*handler)(UnaryCall<Request, Response>*)) {
  auto* call = new ParsedRpcCall<Request, Response>(
      context, method, metrics_, absl::Seconds(api_->limits().max_request_seconds), request_bytes,
      response_bytes);
  // The token before the bytes: an unauthenticated caller learns nothing of the API's shape.
  if (absl::Status status = auth_.Check(AuthorizationMetadata(*context)); !status.ok()) {
    call->Finish(status);
    return call;
  }
  if (!call->Parse()) return call;
  (api_->*handler)(call);
  return call;
}

grpc::ServerUnaryReactor* SegmentationService::RegisterClasses(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  return Handle(context, "RegisterClasses", request_bytes, response_bytes,
                &SegmentationApi::RegisterClasses);
}

grpc::ServerUnaryReactor* SegmentationService::Segment(grpc::CallbackServerContext* context,
                                                       const grpc::ByteBuffer* request_bytes,
                                                       grpc::ByteBuffer* response_bytes) {
  return Handle(context, "Segment", request_bytes, response_bytes, &SegmentationApi::Segment);
}

grpc::ServerUnaryReactor* SegmentationService::GetVocabulary(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request_bytes,
                                                             grpc::ByteBuffer* response_bytes) {
  return Handle(context, "GetVocabulary", request_bytes, response_bytes,
                &SegmentationApi::GetVocabulary);
}

grpc::ServerUnaryReactor* SegmentationService::ListVocabularies(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  return Handle(context, "ListVocabularies", request_bytes, response_bytes,
                &SegmentationApi::ListVocabularies);
}

grpc::ServerUnaryReactor* SegmentationService::DeleteVocabulary(
    grpc::CallbackServerContext* context, const grpc::ByteBuffer* request_bytes,
    grpc::ByteBuffer* response_bytes) {
  return Handle(context, "DeleteVocabulary", request_bytes, response_bytes,
                &SegmentationApi::DeleteVocabulary);
}

grpc::ServerUnaryReactor* SegmentationService::GetServerInfo(grpc::CallbackServerContext* context,
                                                             const grpc::ByteBuffer* request_bytes,
                                                             grpc::ByteBuffer* response_bytes) {
  return Handle(context, "GetServerInfo", request_bytes, response_bytes,
                &SegmentationApi::GetServerInfo);
}

}  // namespace itaclip::server
