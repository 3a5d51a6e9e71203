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
#include "server/scheduling/admission_control.h"
#include "server/scheduling/segment_executor.h"
#include "server/scheduling/worker_pool.h"
#include "server/vocabulary/vocabulary_registry.h"

namespace itaclip::server {

class ServerMetrics;
class RpcCall;

// What the handlers need once the model is loaded. Owned by the Server; outlives the service's use.
struct ServingParts {
  VocabularyRegistry* registry = nullptr;
  WorkerPool* workers = nullptr;
  SegmentExecutor* executor = nullptr;
  AdmissionControl* admission = nullptr;
  std::map<std::string, pipeline::PipelineParams> presets;
  v1::ServerInfo info;
};

class SegmentationService final : public v1::SegmentationService::CallbackService {
 public:
  // `metrics` may be null.
  SegmentationService(Limits limits, std::string default_preset, BearerTokenAuth auth,
                      ServerMetrics* metrics);

  // `parts` must stay valid until the gRPC server has shut down.
  void SetServing(const ServingParts* parts);
  void StopServing();

  grpc::ServerUnaryReactor* RegisterClasses(grpc::CallbackServerContext* context,
                                            const v1::RegisterClassesRequest* request,
                                            v1::RegisterClassesResponse* response) override;
  grpc::ServerUnaryReactor* Segment(grpc::CallbackServerContext* context,
                                    const v1::SegmentRequest* request,
                                    v1::SegmentResponse* response) override;
  grpc::ServerUnaryReactor* GetVocabulary(grpc::CallbackServerContext* context,
                                          const v1::GetVocabularyRequest* request,
                                          v1::VocabularyInfo* response) override;
  grpc::ServerUnaryReactor* ListVocabularies(grpc::CallbackServerContext* context,
                                             const v1::ListVocabulariesRequest* request,
                                             v1::ListVocabulariesResponse* response) override;
  grpc::ServerUnaryReactor* DeleteVocabulary(grpc::CallbackServerContext* context,
                                             const v1::DeleteVocabularyRequest* request,
                                             v1::DeleteVocabularyResponse* response) override;
  grpc::ServerUnaryReactor* GetServerInfo(grpc::CallbackServerContext* context,
                                          const v1::GetServerInfoRequest* request,
                                          v1::ServerInfo* response) override;

 private:
  // Starts a call: the reactor, then authentication and the serving state. Returns the parts to
  // use, or null when the call has already been finished with an error.
  const ServingParts* BeginCall(RpcCall* call);
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
