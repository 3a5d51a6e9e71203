// itaclip.v1.SegmentationService's handlers, independent of the transport: gRPC
// (server/grpc/segmentation_service.h) and HTTP/JSON (server/http/http_api.h) parse a request into
// a UnaryCall, check the caller's token, and hand the call here. Each handler reads validate →
// call → respond: cheap checks on the caller's thread, then either an answer at once (server info)
// or the work on the right threads (a worker for the text tower and the image, a store thread for
// the vocabulary store), so that no transport thread ever blocks.
//
// The API exists from the moment the ports open, while the model is still loading: until
// SetServing() every call gets UNAVAILABLE, and after StopServing() (drain) new calls get
// UNAVAILABLE too.
#ifndef ITACLIP_SERVER_API_SEGMENTATION_API_H_
#define ITACLIP_SERVER_API_SEGMENTATION_API_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "core/checkpoint/clip_config.h"
#include "core/pipeline/pipeline_params.h"
#include "itaclip/v1/segmentation_service.pb.h"
#include "server/api/api_call.h"
#include "server/api/request_validation.h"
#include "server/config/limits.h"
#include "server/scheduling/admission_control.h"
#include "server/scheduling/segment_executor.h"
#include "server/scheduling/worker_pool.h"
#include "server/vocabulary/vocabulary_registry.h"

namespace itaclip::server {

// What the handlers need once the model is loaded. Owned by the Server; outlives the API's use.
struct ServingParts {
  VocabularyRegistry* registry = nullptr;
  WorkerPool* workers = nullptr;
  WorkerPool* registrations = nullptr;  // RegisterClasses: a long build never holds a worker
  WorkerPool* store_io =
      nullptr;  // handlers' store reads and writes: transport threads never block
  SegmentExecutor* executor = nullptr;
  AdmissionControl* admission = nullptr;
  std::map<std::string, pipeline::PipelineParams> presets;
  checkpoint::ClipConfig model_config;  // the shapes that a request's memory estimate needs
  // The text tower's work per string, for a vocabulary build's estimate (EstimateTextBuildBytes):
  // prompt templates, and prompts per batch (the configured text_batch or the device's default).
  int64_t num_templates = 0;
  int64_t text_batch = 0;
  v1::ServerInfo info;
};

class SegmentationApi {
 public:
  SegmentationApi(Limits limits, std::string default_preset);

  // `parts` must stay valid until every transport has stopped.
  void SetServing(const ServingParts* parts);
  void StopServing();
  // True between SetServing and StopServing.
  bool serving() const;
  // The parts while serving; UNAVAILABLE while loading or draining (saying which).
  absl::StatusOr<const ServingParts*> Serving() const;

  // Each finishes `call` exactly once, now or later from another thread.
  void RegisterClasses(UnaryCall<v1::RegisterClassesRequest, v1::RegisterClassesResponse>* call);
  void Segment(UnaryCall<v1::SegmentRequest, v1::SegmentResponse>* call);
  void GetVocabulary(UnaryCall<v1::GetVocabularyRequest, v1::VocabularyInfo>* call);
  void ListVocabularies(UnaryCall<v1::ListVocabulariesRequest, v1::ListVocabulariesResponse>* call);
  void DeleteVocabulary(UnaryCall<v1::DeleteVocabularyRequest, v1::DeleteVocabularyResponse>* call);
  void GetServerInfo(UnaryCall<v1::GetServerInfoRequest, v1::ServerInfo>* call);

  const Limits& limits() const { return limits_; }

 private:
  // Serving(), or null when the call has been finished with its UNAVAILABLE.
  const ServingParts* CheckServing(ApiCall* call) const;
  // A registration on a registration thread: the call's deadline and cancellation,
  // the registry, the answer.
  static absl::Status RunRegistration(
      const ServingParts& parts,
      UnaryCall<v1::RegisterClassesRequest, v1::RegisterClassesResponse>& call,
      const Vocabulary& vocabulary, double unset_weight);
  // What a Segment request's own checks found (no I/O: they run on the caller's thread).
  struct CheckedSegment {
    ValidatedSegment request;
    pipeline::PipelineParams params;
  };
  absl::Status CheckSegmentRequest(const ServingParts& parts, const v1::SegmentRequest& request,
                                   CheckedSegment& checked) const;
  // The rest of what a Segment call passes before it is admitted: its vocabulary (NOT_FOUND now
  // rather than after queueing; for an id this reads the store, so it runs on a store thread), its
  // cost (crops, estimated memory) and the admission. Fills `segment_call` for the executor.
  absl::StatusOr<std::unique_ptr<AdmissionTicket>> AdmitSegment(const ServingParts& parts,
                                                                const v1::SegmentRequest& request,
                                                                const ApiCall& call,
                                                                CheckedSegment checked,
                                                                SegmentCall& segment_call) const;
  // What a call may spend building the embeddings of vocabulary `id` of `size`
  // (EstimateTextBuildBytes): 0 when they are resident already.
  static int64_t VocabularyBuildBytes(const ServingParts& parts, const std::string& id,
                                      const VocabularySize& size);
  // Runs `work`, which reads or writes the vocabulary store, on a store thread (after the call's
  // deadline and cancellation are checked) and finishes `call` with its status.
  static void OnStoreThread(const ServingParts& parts, ApiCall* call,
                            std::function<absl::Status()> work);
  static void FillVocabularyInfo(const ServingParts& parts, const VocabularyRecord& record,
                                 bool with_definition, v1::VocabularyInfo* info);

  const Limits limits_;
  const std::string default_preset_;
  std::atomic<const ServingParts*> parts_{nullptr};
  std::atomic<bool> draining_{false};
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_API_SEGMENTATION_API_H_
