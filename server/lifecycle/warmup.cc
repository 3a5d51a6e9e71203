#include "server/lifecycle/warmup.h"

#include <c10/core/InferenceMode.h>

#include <memory>
#include <opencv2/core.hpp>

#include "absl/synchronization/notification.h"
#include "core/common/status_macros.h"
#include "core/common/torch_error_guard.h"
#include "core/pipeline/segment_job.h"

namespace itaclip::server {

absl::Status RunWarmup(const clip::ClipModel& model, const EmbeddingBuilder& builder,
                       DeviceBatcher& batcher, const pipeline::PipelineParams& preset) {
  text::VocabularySpec vocabulary;
  vocabulary.classes.push_back(text::ClassSpec{{"object"}, ""});
  ASSIGN_OR_RETURN(text::QueryEmbeddings queries, builder(vocabulary, preset.def_coefficient, {}));

  // A square image whose short side is already the crop size: exactly one window.
  pipeline::PipelineParams params = preset;
  params.short_side = params.crop_size;
  cv::Mat image(params.crop_size, params.crop_size, CV_8UC3);
  cv::randu(image, 0, 256);

  auto task = std::make_shared<SegmentTask>();
  task->cancel = std::make_shared<CancelToken>();
  task->queries = std::make_shared<const text::QueryEmbeddings>(std::move(queries));
  {
    c10::InferenceMode inference;
    ASSIGN_OR_RETURN(
        pipeline::SegmentJob job,
        pipeline::SegmentJob::Prepare(image, params, model.config().patch_size, model.device()));
    task->job.emplace(std::move(job));
  }
  absl::Notification device_done;
  absl::Status device_status;
  task->on_device_done = [&](absl::Status status) {
    device_status = std::move(status);
    device_done.Notify();
  };
  batcher.Submit(task);
  device_done.WaitForNotification();
  RETURN_IF_ERROR(device_status);
  return GuardTorch("warm-up", [&]() -> absl::Status {
    c10::InferenceMode inference;
    task->job->Finish(*task->queries, /*want_scores=*/true);
    return absl::OkStatus();
  });
}

}  // namespace itaclip::server
