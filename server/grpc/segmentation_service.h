// itaclip.v1.SegmentationService on gRPC's callback API: the gRPC adapter of SegmentationApi. Each
// method parses its request (ParsedRpcCall), checks the bearer token from the call's metadata and
// hands the call to the API, which answers it; no method blocks its thread.
#ifndef ITACLIP_SERVER_GRPC_SEGMENTATION_SERVICE_H_
#define ITACLIP_SERVER_GRPC_SEGMENTATION_SERVICE_H_

#include "absl/time/time.h"
#include "itaclip/v1/segmentation_service.grpc.pb.h"
#include "server/api/bearer_token_auth.h"
#include "server/api/segmentation_api.h"
#include "server/grpc/rpc_call.h"

namespace itaclip::server {

class ServerMetrics;

// Every method on the callback API's raw form (bytes in, bytes out), so that the service parses
// requests itself (ParsedRpcCall).
using RawSegmentationService = v1::SegmentationService::WithRawCallbackMethod_RegisterClasses<
    v1::SegmentationService::WithRawCallbackMethod_Segment<
        v1::SegmentationService::WithRawCallbackMethod_GetVocabulary<
            v1::SegmentationService::WithRawCallbackMethod_ListVocabularies<
                v1::SegmentationService::WithRawCallbackMethod_DeleteVocabulary<
                    v1::SegmentationService::WithRawCallbackMethod_GetServerInfo<
                        v1::SegmentationService::Service>>>>>>;

class SegmentationService final : public RawSegmentationService {
 public:
  // `api` must outlive the gRPC server; `metrics` may be null.
  SegmentationService(SegmentationApi* api, BearerTokenAuth auth, ServerMetrics* metrics);

  grpc::ServerUnaryReactor* RegisterClasses(grpc::CallbackServerContext* context,
                                            const grpc::ByteBuffer* request_bytes,
                                            grpc::ByteBuffer* response_bytes) override;
  grpc::ServerUnaryReactor* Segment(grpc::CallbackServerContext* context,
                                    const grpc::ByteBuffer* request_bytes,
                                    grpc::ByteBuffer* response_bytes) override;
  grpc::ServerUnaryReactor* GetVocabulary(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request_bytes,
                                          grpc::ByteBuffer* response_bytes) override;
  grpc::ServerUnaryReactor* ListVocabularies(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request_bytes,
                                             grpc::ByteBuffer* response_bytes) override;
  grpc::ServerUnaryReactor* DeleteVocabulary(grpc::CallbackServerContext* context,
                                             const grpc::ByteBuffer* request_bytes,
                                             grpc::ByteBuffer* response_bytes) override;
  grpc::ServerUnaryReactor* GetServerInfo(grpc::CallbackServerContext* context,
                                          const grpc::ByteBuffer* request_bytes,
                                          grpc::ByteBuffer* response_bytes) override;

 private:
  // A new call (its work bounded by max_request_seconds), authenticated and parsed, handed to
  // `handler`; when the token or the bytes are bad, the call is finished with the error instead.
  template <typename Request, typename Response>
  grpc::ServerUnaryReactor* Handle(grpc::CallbackServerContext* context, const char* method,
                                   const grpc::ByteBuffer* request_bytes,
                                   grpc::ByteBuffer* response_bytes,
                                   void (SegmentationApi::*handler)(UnaryCall<Request, Response>*));

  SegmentationApi* const api_;
  const BearerTokenAuth auth_;
  ServerMetrics* const metrics_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_GRPC_SEGMENTATION_SERVICE_H_
