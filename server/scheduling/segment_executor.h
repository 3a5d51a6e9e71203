// The path of one admitted Segment call through the server's threads:
//   worker:  decode the image, resolve the vocabulary's embeddings, SegmentJob::Prepare
//   device:  DeviceBatcher runs its crops in shared ViT batches and fuses the logits
//   worker:  SegmentJob::Finish (overlap average, PAMR, post-processing), encode the outputs
// The token is checked before each stage; the callback runs exactly once, on a worker or on the
// device thread, and the admission ticket is released just before it.
#ifndef ITACLIP_SERVER_SCHEDULING_SEGMENT_EXECUTOR_H_
#define ITACLIP_SERVER_SCHEDULING_SEGMENT_EXECUTOR_H_

#include <functional>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clip/clip_model.h"
#include "core/pipeline/pipeline_params.h"
#include "itaclip/v1/segmentation_service.pb.h"
#include "server/config/limits.h"
#include "server/scheduling/admission_control.h"
#include "server/scheduling/cancel_token.h"
#include "server/scheduling/device_batcher.h"
#include "server/scheduling/worker_pool.h"
#include "server/vocabulary/vocabulary_registry.h"

namespace itaclip::server {

class ServerMetrics;

// A validated Segment request. `request` must stay valid until the callback has run (it is the
// gRPC request message, which lives until the call is finished).
struct SegmentCall {
  const v1::SegmentRequest* request = nullptr;
  std::string vocabulary_id;  // resolved id; empty when the request carries an inline vocabulary
  pipeline::PipelineParams params;
  std::shared_ptr<CancelToken> cancel;
  absl::Time received;
};

using SegmentCallback = std::function<void(absl::StatusOr<v1::SegmentResponse>)>;

class SegmentExecutor {
 public:
  // Everything must outlive the executor. `metrics` may be null.
  SegmentExecutor(const clip::ClipModel& model, VocabularyRegistry& registry, WorkerPool& workers,
                  DeviceBatcher& batcher, const Limits& limits, ServerMetrics* metrics);

  void Start(SegmentCall call, std::unique_ptr<AdmissionTicket> ticket, SegmentCallback done);

 private:
  struct Flight;  // one call's state across the stages

  void Prepare(const std::shared_ptr<Flight>& flight);
  void Finish(const std::shared_ptr<Flight>& flight);
  void Complete(const std::shared_ptr<Flight>& flight, absl::StatusOr<v1::SegmentResponse> result);

  const clip::ClipModel& model_;
  VocabularyRegistry& registry_;
  WorkerPool& workers_;
  DeviceBatcher& batcher_;
  const Limits limits_;
  ServerMetrics* metrics_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SCHEDULING_SEGMENT_EXECUTOR_H_
