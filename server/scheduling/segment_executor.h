// The path of one admitted Segment call through the server's threads:
//   worker:  decode the image, resolve the vocabulary's embeddings, SegmentJob::Prepare
//   device:  DeviceBatcher runs its crops in shared ViT batches and fuses the logits
//   worker:  SegmentJob::Finish (overlap average, PAMR, post-processing)
// The token is checked before each stage; the callback runs exactly once, on a worker or on the
// device thread, and the admission ticket is released between the answer it makes and the answer's
// sending (SegmentCallback). No request or response
// message passes here: the API's conversion seam (server/api/segment_conversion.h) makes the call
// from the request and the response from the result.
#ifndef ITACLIP_SERVER_SCHEDULING_SEGMENT_EXECUTOR_H_
#define ITACLIP_SERVER_SCHEDULING_SEGMENT_EXECUTOR_H_

#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "absl/status/statusor.h"
#include "absl/time/time.h"
#include "core/clip/clip_model.h"
#include "core/pipeline/pipeline_params.h"
#include "core/pipeline/segmentation.h"
#include "opencv2/core.hpp"
#include "server/config/limits.h"
#include "server/scheduling/admission_control.h"
#include "server/scheduling/cancel_token.h"
#include "server/scheduling/device_batcher.h"
#include "server/scheduling/worker_pool.h"
#include "server/vocabulary/vocabulary_registry.h"

namespace itaclip::server {

class ServerMetrics;

// A validated Segment call. What decode_image refers to must stay valid until the callback has run
// (the call's request, which lives until the call is finished).
struct SegmentCall {
  // Decodes the image (on a worker): encoded bytes or raw pixels, within the pixel limit.
  std::function<absl::StatusOr<cv::Mat>()> decode_image;
  std::string vocabulary_id;  // resolved id; empty when the call carries an inline vocabulary
  // The vocabulary to register on the way (content-addressed); none with a vocabulary_id.
  std::optional<Vocabulary> inline_vocabulary;
  pipeline::PipelineParams params;
  bool want_scores = false;
  std::shared_ptr<CancelToken> cancel;
  absl::Time received;
};

// Milliseconds spent in each stage of a call.
struct SegmentStageTimes {
  double queued_ms = 0;       // admitted until a worker took it
  double preprocess_ms = 0;   // decode, vocabulary, crops
  double model_ms = 0;        // its share of the ViT batches, and the logit fusion
  double postprocess_ms = 0;  // overlap average, resize, PAMR, thresholds
  double total_ms = 0;        // received until the result
};

// What a finished call gives: the segmentation (labels, scores when wanted, counts, crops) with
// the class names of its labels.
struct SegmentResult {
  std::string vocabulary_id;
  pipeline::Segmentation segmentation;
  std::vector<std::string> class_names;
  SegmentStageTimes times;
};

// Called once with the call's result while the call still holds its admission place: it makes the
// answer (encodes the label map and scores) and returns what sends it, which runs once the place
// is freed. So a drain, which waits until no place is held, waits for every answer to be made
// (and then gives the transport only the flush), while a client that sends its next call as soon
// as it has this answer never finds its previous call still counted.
using SendAnswer = std::function<void()>;
using SegmentCallback = std::function<SendAnswer(absl::StatusOr<SegmentResult>)>;

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
  void Complete(const std::shared_ptr<Flight>& flight, absl::StatusOr<SegmentResult> result);

  const clip::ClipModel& model_;
  VocabularyRegistry& registry_;
  WorkerPool& workers_;
  DeviceBatcher& batcher_;
  const Limits limits_;
  ServerMetrics* metrics_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SCHEDULING_SEGMENT_EXECUTOR_H_
