// The only thread that runs the ViT. It merges the crops of every pending Segment call into batches
// (crops of the same size, oldest call first, bounded by max_batch_crops and a memory budget), so
// concurrent requests share device passes; the ViT does not depend on the vocabulary, so calls with
// different vocabularies share batches too. Between batches it drops calls whose token has fired.
#ifndef ITACLIP_SERVER_SCHEDULING_DEVICE_BATCHER_H_
#define ITACLIP_SERVER_SCHEDULING_DEVICE_BATCHER_H_

#include <deque>
#include <functional>
#include <memory>
#include <thread>

#include "absl/base/thread_annotations.h"
#include "absl/synchronization/mutex.h"
#include "core/clip/clip_model.h"
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
};

class DeviceBatcher {
 public:
  // `model` must outlive the batcher.
  DeviceBatcher(const clip::ClipModel& model, DeviceBatcherOptions options);
  ~DeviceBatcher();  // Stop()

  // Takes a prepared task (job and queries set). Its on_device_done runs on the device thread.
  void Submit(std::shared_ptr<SegmentTask> task);

  // Tasks waiting for or in the device.
  int64_t active_tasks() const;

  // Fails the tasks still waiting (UNAVAILABLE) and joins the thread.
  void Stop();

 private:
  struct Slice {
    std::shared_ptr<SegmentTask> task;
    int64_t begin, end;
  };

  void Run();
  // Removes and reports the tasks whose token fired. Device thread only.
  void DropCancelled();
  std::vector<Slice> FormBatch() ABSL_EXCLUSIVE_LOCKS_REQUIRED(mu_);
  void RunBatch(const std::vector<Slice>& batch);

  const clip::ClipModel& model_;
  const DeviceBatcherOptions options_;
  mutable absl::Mutex mu_;
  std::deque<std::shared_ptr<SegmentTask>> tasks_ ABSL_GUARDED_BY(mu_);
  bool stopping_ ABSL_GUARDED_BY(mu_) = false;
  std::thread thread_;
};

}  // namespace itaclip::server

#endif  // ITACLIP_SERVER_SCHEDULING_DEVICE_BATCHER_H_
