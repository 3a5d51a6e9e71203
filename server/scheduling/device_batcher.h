// The owner of the device: the only thread that runs the ViT, and the text tower's batches too
// (RunOnDevice), so the two never run at once nor add up their activations. It merges the crops of
// every pending Segment call into batches
// (crops of the same size, oldest call first, bounded by max_batch_crops and a memory budget), so
// concurrent requests share device passes; the ViT does not depend on the vocabulary, so calls with
// different vocabularies share batches too. Between batches it drops calls whose token has fired.
//
// The thread does not wait for the device after each batch: it queues batch N, then waits for
// batch N-1 (a DeviceMarker) and reports it, so on CUDA the next batch is always queued while one
// runs and the host never stalls the device. On the CPU a batch is done when queued and is
// reported at once.
//
// Other device work (a registration's text batches) takes turns with the ViT batches: after each
// ViT batch, one piece of it runs, so a long vocabulary build delays a segmentation by at most a
// text batch per ViT batch, and segmentations cannot starve a build either.
#ifndef ITACLIP_SERVER_SCHEDULING_DEVICE_BATCHER_H_
#define ITACLIP_SERVER_SCHEDULING_DEVICE_BATCHER_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "absl/base/thread_annotations.h"
#include "absl/status/status.h"
#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "absl/time/time.h"
#include "core/clip/clip_model.h"
#include "core/common/device_marker.h"
#include "server/scheduling/segment_task.h"

namespace itaclip::server {

struct DeviceBatcherOptions {
  int max_batch_crops = 16;                       // crops (x5 views) per ViT batch
  int64_t batch_memory_bytes = int64_t{1} << 30;  // activation budget of one batch
  // Called after each batch with its size; may be empty (metrics).
  std::function<void(int crops, int requests)> on_batch;
  // Called on the device thread before each batch is formed; may be empty. Tests hold the device
  // here (a gate) to fill the queue or cancel a call at a known point, without sleeping.
  std::function<void()> before_batch;
  // Marks the end of a queued batch; empty: DeviceMarker::Record on the model's device. Tests
  // give markers that are reached late, to run the two-batches-in-flight path on the CPU.
  std::function<DeviceMarker()> record_marker;
};

class DeviceBatcher {
 public:
  // `model` must outlive the batcher.
  DeviceBatcher(const clip::ClipModel& model, DeviceBatcherOptions options);
  ~DeviceBatcher();  // Stop()

  // Takes a prepared task (job and queries set). Its on_device_done runs on the device thread.
  void Submit(std::shared_ptr<SegmentTask> task);

  // Runs `work` on the device thread, between ViT batches, and returns its status once it has
  // run; blocks the caller until then. UNAVAILABLE when the batcher stops first. `work` must not
  // wait on the device thread itself.
  absl::Status RunOnDevice(std::function<absl::Status()> work);

  // Tasks waiting for or in the device.
  int64_t active_tasks() const;
  // Pieces of other device work waiting for their turn.
  int64_t queued_device_work() const;

  // Fails the tasks still waiting (UNAVAILABLE) and joins the thread.
  void Stop();

 private:
  struct Slice {
    std::shared_ptr<SegmentTask> task;
    int64_t begin, end;
  };
  // A batch whose work is queued on the device.
  struct QueuedBatch {
    std::vector<Slice> slices;
    int64_t crops = 0;
    absl::Time queued_at;
    absl::Status status;  // an error raised while queuing it
    DeviceMarker done;    // reached when the device has run it
  };

  // A piece of other device work and where its caller waits for it.
  struct DeviceWork {
    std::function<absl::Status()> work;
    absl::Notification done;
    absl::Status status;
  };

  void Run();
  // Runs the oldest piece of other device work, if any. Device thread only.
  void RunOneDeviceWork();
  // Whether a task has crops not yet queued (or the batcher is stopping).
  bool HasWork() const ABSL_SHARED_LOCKS_REQUIRED(mu_);
  // Removes and reports the tasks whose token fired. Device thread only.
  void DropCancelled();
  std::vector<Slice> FormBatch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  // Queues the ViT pass and the logit fusion of `slices` on the device; does not wait for them.
  QueuedBatch Queue(std::vector<Slice> slices);
  // Waits until `batch` has run, then accounts its time and reports the tasks it finished.
  void Complete(QueuedBatch& batch);

  const clip::ClipModel& model_;
  const DeviceBatcherOptions options_;
  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<SegmentTask>> tasks_ ABSL_GUARDED_BY(mu_);
  std::deque<DeviceWork*> device_work_ ABSL_GUARDED_BY(mu_);  // owned by their waiting callers
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  absl::Time device_idle_since_;  // when the last completed batch finished; device thread only
  std::thread thread_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SCHEDULING_DEVICE_BATCHER_H_
