// One Segment call's state as it moves worker -> device thread -> worker. Exactly one thread
// touches the job at a time; the hand-offs go through the WorkerPool and DeviceBatcher queues
// (mutexes), which order the accesses.
#ifndef ITACLIP_SERVER_SCHEDULING_SEGMENT_TASK_H_
#define ITACLIP_SERVER_SCHEDULING_SEGMENT_TASK_H_

#include <functional>
#include <memory>
#include <optional>

#include "absl/status/status.h"
#include "core/pipeline/segment_job.h"
#include "core/text/query_embeddings.h"
#include "server/scheduling/cancel_token.h"

namespace itaclip::server {

struct SegmentTask {
  std::shared_ptr<CancelToken> cancel;
  std::optional<pipeline::SegmentJob> job;               // set by Prepare on a worker
  std::shared_ptr<const text::QueryEmbeddings> queries;  // the vocabulary's resident embeddings

  // Device progress, touched only by the device thread.
  int64_t next_crop = 0;       // crops [0, next_crop) have been queued on the device
  int64_t completed_crops = 0;  // of those, how many the device has finished (fused)
  double model_ms = 0;    // this task's share of the ViT batches it was in, plus its fusion

  // Called once by the device thread: OK when every crop is fused, else why the task was dropped
  // (cancelled, deadline, a model error, shutdown).
  std::function<void(absl::Status)> on_device_done;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SCHEDULING_SEGMENT_TASK_H_
