// itaclip.v1.SegmentationService on gRPC's callback API. Each handler validates on the gRPC thread
// (cheap checks only), then either answers at once (vocabulary listings, server info) or admits the
// call and hands it to the workers (RegisterClasses, Segment); no handler blocks its thread.
//
// The service exists from the moment the port opens, while the model is still loading: until
// SetServing() every call gets UNAVAILABLE, and after StopServing() (drain) new calls get
// UNAVAILABLE too.
#ifndef ITACLIP_SERVER_GRPC_SEGMENTATION_SERVICE_H_
#define ITACLIP_SERVER_GRPC_SEGMENTATION_SERVICE_H_

#include <atomic>
#include <map>
#include <string>

#include "core/clip/clip_model.h"
#include "core/pipeline/pipeline_params.h"
#include "itaclip/v1/segmentation_service.grpc.pb.h"
#include "server/config/limits.h"
#include "server/grpc/bearer_token_auth.h"
#include "server/grpc/request_validation.h"
#include "server/grpc/rpc_call.h"
#include "server/scheduling/admission_control.h"
#include "server/scheduling/segment_executor.h"
#include "server/scheduling/worker_pool.h"
#include "server/vocabulary/vocabulary_registry.h"

namespace itaclip::server {

class ServerMetrics;

// What the handlers need once the model is loaded. Owned by the Server; outlives the service's use.
struct ServingParts {
  VocabularyRegistry* registry = nullptr;
  WorkerPool* workers = nullptr;
  WorkerPool* store_io = nullptr;  // handlers' store reads and writes: gRPC's threads never block
  SegmentExecutor* executor = nullptr;
  AdmissionControl* admission = nullptr;
  std::map<std::string, pipeline::PipelineParams> presets;
  checkpoint::ClipConfig model_config;  // the shapes that a request's memory estimate needs
  v1::ServerInfo info;
};

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
  // `metrics` may be null.
  SegmentationService(Limits limits, std::string default_preset, BearerTokenAuth auth,
                      ServerMetrics* metrics);

  // `parts` must stay valid until the gRPC server has shut down.
  void SetServing(const ServingParts* parts);
  void StopServing();

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
  // The reactor of a new call (its work bounded by max_request_seconds).
  template <typename Request, typename Response>
  ParsedRpcCall<Request, Response>* NewCall(grpc::CallbackServerContext* context,
                                            const char* method,
                                            const grpc::ByteBuffer* request_bytes,
                                            grpc::ByteBuffer* response_bytes) const;
  // Authentication, then the serving state (loading, draining), before the request is even
  // parsed. Returns the parts to use, or null when the call has been finished with an error.
  const ServingParts* CheckServing(RpcCall* call);
  // A registration on a worker (the text tower runs there): the call's deadline and cancellation,
  // the registry, the answer.
  static absl::Status RegisterOnWorker(
      const ServingParts& parts,
      ParsedRpcCall<v1::RegisterClassesRequest, v1::RegisterClassesResponse>& call,
      double unset_weight);
  // What a Segment request's own checks found (no I/O: they run on gRPC's thread).
  struct CheckedSegment {
    ImageSize image;
    pipeline::PipelineParams params;
  };
  absl::Status CheckSegmentRequest(const ServingParts& parts, const v1::SegmentRequest& request,
                                   CheckedSegment& checked) const;
  // The rest of what a Segment call passes before it is admitted: its vocabulary (NOT_FOUND now
  // rather than after queueing; for an id this reads the store, so it runs on a store thread), its
  // cost (crops, estimated memory) and the admission. Fills `segment_call` for the executor.
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> AdmitSegment(const ServingParts& parts,
                                                                const v1::SegmentRequest& request,
                                                                const RpcCall& call,
                                                                CheckedSegment checked,
                                                                SegmentCall& segment_call) const;
  // Runs `work`, which reads or writes the vocabulary store, on a store thread (after the call's
  // deadline and cancellation are checked) and finishes `call` with its status.
  void OnStoreThread(const ServingParts& parts, RpcCall* call,
                     std::function<absl::Status()> work) const;
  void FillVocabularyInfo(const ServingParts& parts, const v1::StoredVocabulary& record,
                          bool with_definition, v1::VocabularyInfo* info) const;

  const Limits limits_;
  const std::string default_preset_;
  const BearerTokenAuth auth_;
  ServerMetrics* const metrics_;
  std::atomic<const ServingParts*> parts_{nullptr};
  std::atomic<bool> draining_{false};
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_GRPC_SEGMENTATION_SERVICE_H_
