#include "server/scheduling/segment_executor.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <utility>

#include "absl/time/clock.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"
#include "core/pipeline/segment_job.h"
#include "server/observability/server_metrics.h"

namespace itaclip::server {
namespace {

double MillisecondsSince(absl::Time start) {
  return absl::ToDoubleMilliseconds(absl::Now() - start);
}

}  // namespace

struct SegmentExecutor::Flight {
  SegmentCall call;
  std::unique_ptr<AdmissionTicket> ticket;
  SegmentCallback done;
  std::shared_ptr<SegmentTask> task = std::make_shared<SegmentTask>();
  std::string vocabulary_id;
  SegmentStageTimes times;
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
  flight->times.queued_ms = queued_ms;
  if (metrics_ != nullptr) metrics_->ObserveQueueSeconds(queued_ms / 1000.0);

  absl::Status status = [&]() -> absl::Status {
    c10::InferenceMode inference;
    RETURN_IF_ERROR(flight->call.cancel->Check("decoding the image"));
    const absl::Time start = absl::Now();
    ASSIGN_OR_RETURN(cv::Mat image, flight->call.decode_image());

    // The vocabulary: an inline one is registered (idempotent, content-addressed) on the way.
    flight->vocabulary_id = flight->call.vocabulary_id;
    if (flight->call.inline_vocabulary.has_value()) {
      RETURN_IF_ERROR(flight->call.cancel->Check("registering the inline vocabulary"));
      ASSIGN_OR_RETURN(VocabularyRegistry::Registration registration,
                       registry_.Register(
                           *flight->call.inline_vocabulary, "", flight->call.params.def_coefficient,
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
    flight->times.preprocess_ms = MillisecondsSince(start);
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
  flight->times.model_ms = task.model_ms;
  if (metrics_ != nullptr) metrics_->ObserveModelSeconds(task.model_ms / 1000.0);

  absl::StatusOr<SegmentResult> result = [&]() -> absl::StatusOr<SegmentResult> {
    c10::InferenceMode inference;
    RETURN_IF_ERROR(flight->call.cancel->Check("post-processing"));
    const absl::Time start = absl::Now();
    SegmentResult finished;
    ASSIGN_OR_RETURN(finished.segmentation,
                     GuardTorch("finish", [&]() -> absl::StatusOr<pipeline::Segmentation> {
                       return task.job->Finish(*task.queries, flight->call.want_scores);
                     }));
    task.job.reset();  // frees the image and the logit buffers before the answer is encoded
    finished.vocabulary_id = flight->vocabulary_id;
    finished.class_names = task.queries->class_names;
    flight->times.postprocess_ms = MillisecondsSince(start);
    if (metrics_ != nullptr) {
      metrics_->AddImages(1);
      metrics_->AddCrops(static_cast<int>(finished.segmentation.crops));
    }
    return finished;
  }();
  Complete(flight, std::move(result));
}

void SegmentExecutor::Complete(const std::shared_ptr<Flight>& flight,
                               absl::StatusOr<SegmentResult> result) {
  if (result.ok()) {
    flight->times.total_ms = MillisecondsSince(flight->call.received);
    result->times = flight->times;
  }
  flight->task->job.reset();
  flight->task->queries.reset();
  SegmentCallback done = std::move(flight->done);
  const SendAnswer send = done(std::move(result));
  // Freed after the answer is made and before it goes out (see SegmentCallback).
  flight->ticket.reset();
  if (send) send();
}

}  // namespace itaclip::server
