#include "server/scheduling/segment_executor.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <utility>

#include "absl/time/clock.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"
#include "core/pipeline/segment_job.h"
#include "server/image/decode_image.h"
#include "server/image/encode_outputs.h"
#include "server/observability/server_metrics.h"

namespace itaclip::server {
namespace {

double MillisecondsSince(absl::Time start) {
  return absl::ToDoubleMilliseconds(absl::Now() - start);
}

absl::StatusOr<cv::Mat> DecodeRequestImage(const v1::SegmentRequest& request,
                                           const Limits& limits) {
  if (request.has_raw_image()) {
    return ImageFromRawPixels(request.raw_image(), limits.max_decoded_pixels);
  }
  return DecodeEncodedImage(request.encoded_image(), limits.max_decoded_pixels);
}

}  // namespace

struct SegmentExecutor::Flight {
  SegmentCall call;
  std::unique_ptr<AdmissionTicket> ticket;
  SegmentCallback done;
  std::shared_ptr<SegmentTask> task = std::make_shared<SegmentTask>();
  std::string vocabulary_id;
  v1::StageTimings timings;
};

SegmentExecutor::SegmentExecutor(const clip::ClipModel& model, VocabularyRegistry& registry,
                                 WorkerPool& workers, DeviceBatcher& batcher, const Limits& limits,
                                 ServerMetrics* metrics)
    : model_(model),
      registry_(registry),
      workers_(workers),
      batcher_(batcher),
      limits_(limits),
      metrics_(metrics) {}

void SegmentExecutor::Start(SegmentCall call, std::unique_ptr<AdmissionTicket> ticket,
                            SegmentCallback done) {
  auto flight = std::make_shared<Flight>();
  flight->call = std::move(call);
  flight->ticket = std::move(ticket);
  flight->done = std::move(done);
  flight->task->cancel = flight->call.cancel;
  workers_.Submit([this, flight] { Prepare(flight); });
}

void SegmentExecutor::Prepare(const std::shared_ptr<Flight>& flight) {
  const double queued_ms = MillisecondsSince(flight->call.received);
  flight->timings.set_queued_ms(queued_ms);
  if (metrics_ != nullptr) metrics_->ObserveQueueSeconds(queued_ms / 1000.0);

  absl::Status status = [&]() -> absl::Status {
    c10::InferenceMode inference;
    const v1::SegmentRequest& request = *flight->call.request;
    RETURN_IF_ERROR(flight->call.cancel->Check("decoding the image"));
    const absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(cv::Mat image, DecodeRequestImage(request, limits_));

    // The vocabulary: an inline one is registered (idempotent, content-addressed) on the way.
    flight->vocabulary_id = flight->call.vocabulary_id;
    if (request.has_inline_vocabulary()) {
      RETURN_IF_ERROR(flight->call.cancel->Check("registering the inline vocabulary"));
      ASSIGN_OR_RETURN(
          VocabularyRegistry::Registration registration,
          registry_.Register(request.inline_vocabulary(), "", flight->call.params.def_coefficient,
                             flight->call.cancel->Checker("the next batch of prompts")));
      flight->vocabulary_id = registration.id;
    }
    RETURN_IF_ERROR(flight->call.cancel->Check("building the text embeddings"));
    // A vocabulary that leaves its description weight unset takes the preset's (def_coefficient).
    ASSIGN_OR_RETURN(
        flight->task->queries,
        registry_.Embeddings(flight->vocabulary_id, flight->call.params.def_coefficient,
                             flight->call.cancel->Checker("the next batch of prompts")));

    RETURN_IF_ERROR(flight->call.cancel->Check("preparing the crops"));
    ASSIGN_OR_RETURN(pipeline::SegmentJob job,
                     GuardTorch("prepare", [&]() -> absl::StatusOr<pipeline::SegmentJob> {
                       return pipeline::SegmentJob::Prepare(
                           image, flight->call.params, model_.config().patch_size, model_.device());
                     }));
    flight->task->job.emplace(std::move(job));
    flight->timings.set_preprocess_ms(MillisecondsSince(start));
    return absl::OkStatus();
  }();
  if (!status.ok()) {
    Complete(flight, std::move(status));
    return;
  }
  flight->task->on_device_done = [this, flight](absl::Status device_status) {
    if (!device_status.ok()) {
      Complete(flight, std::move(device_status));
      return;
    }
    workers_.SubmitContinuation([this, flight] { Finish(flight); });
  };
  batcher_.Submit(flight->task);
}

void SegmentExecutor::Finish(const std::shared_ptr<Flight>& flight) {
  SegmentTask& task = *flight->task;
  flight->timings.set_model_ms(task.model_ms);
  if (metrics_ != nullptr) metrics_->ObserveModelSeconds(task.model_ms / 1000.0);

  absl::StatusOr<v1::SegmentResponse> result = [&]() -> absl::StatusOr<v1::SegmentResponse> {
    c10::InferenceMode inference;
    RETURN_IF_ERROR(flight->call.cancel->Check("post-processing"));
    const absl::Time start = absl::Now();
    const v1::SegmentRequest& request = *flight->call.request;
    const bool want_scores = request.score_format() != v1::SCORE_FORMAT_NONE;
    ASSIGN_OR_RETURN(pipeline::Segmentation segmentation,
                     GuardTorch("finish", [&]() -> absl::StatusOr<pipeline::Segmentation> {
                       return task.job->Finish(*task.queries, want_scores);
                     }));
    task.job.reset();  // frees the image and the logit buffers before encoding

    v1::SegmentResponse response;
    response.set_vocabulary_id(flight->vocabulary_id);
    RETURN_IF_ERROR(
        EncodeLabelMap(segmentation.labels, request.label_format(), response.mutable_labels()));
    if (want_scores) {
      RETURN_IF_ERROR(GuardTorch("encode scores", [&] {
        return EncodeScores(segmentation.scores, request.score_format(), response.mutable_scores());
      }));
    }
    for (const std::string& name : task.queries->class_names) response.add_class_names(name);
    for (int64_t count : segmentation.class_pixel_counts) response.add_class_pixel_counts(count);
    response.set_crops(static_cast<int32_t>(segmentation.crops));
    flight->timings.set_postprocess_ms(MillisecondsSince(start));
    if (metrics_ != nullptr) {
      metrics_->AddImages(1);
      metrics_->AddCrops(static_cast<int>(segmentation.crops));
    }
    return response;
  }();
  Complete(flight, std::move(result));
}

void SegmentExecutor::Complete(const std::shared_ptr<Flight>& flight,
                               absl::StatusOr<v1::SegmentResponse> result) {
  if (result.ok()) {
    flight->timings.set_total_ms(MillisecondsSince(flight->call.received));
    *result->mutable_timings() = flight->timings;
  }
  flight->task->job.reset();
  flight->task->queries.reset();
  // The place is freed before the answer goes out, so a client that sends its next call as soon as
  // it has this answer never finds its own previous call still counted.
  flight->ticket.reset();
  SegmentCallback done = std::move(flight->done);
  done(std::move(result));
}

}  // namespace itaclip::server
