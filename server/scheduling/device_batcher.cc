#include "server/scheduling/device_batcher.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <optional>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "core/common/device.h"
#include "core/common/torch_error_guard.h"
#include "core/pipeline/crop_batching.h"
#include "core/pipeline/view_count.h"

namespace itaclip::server {

DeviceBatcher::DeviceBatcher(const clip::ClipModel& model, DeviceBatcherOptions options)
    : model_(model), options_(std::move(options)) {
  thread_ = std::thread([this] { Run(); });
}

DeviceBatcher::~DeviceBatcher() { Stop(); }

void DeviceBatcher::Submit(std::shared_ptr<SegmentTask> task) {
  {
    absl::MutexLock lock(&mu_);
    if (!stopping_) {
      tasks_.push_back(std::move(task));
      return;
    }
  }
  task->on_device_done(absl::UnavailableError("the server is shutting down"));
}

absl::Status DeviceBatcher::RunOnDevice(std::function<absl::Status()> work) {
  DeviceWork item;
  item.work = std::move(work);
  {
    absl::MutexLock lock(&mu_);
    if (stopping_) return absl::UnavailableError("the server is shutting down");
    device_work_.push_back(&item);
  }
  item.done.WaitForNotification();
  return item.status;
}

void DeviceBatcher::RunOneDeviceWork() {
  DeviceWork* item = nullptr;
  {
    absl::MutexLock lock(&mu_);
    if (device_work_.empty()) return;
    item = device_work_.front();
    device_work_.pop_front();
  }
  item->status = item->work();
  item->done.Notify();  // last: the caller's frame holds `item`
}

int64_t DeviceBatcher::queued_device_work() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(device_work_.size());
}

int64_t DeviceBatcher::active_tasks() const {
  absl::MutexLock lock(&mu_);
  return static_cast<int64_t>(tasks_.size());
}

void DeviceBatcher::Stop() {
  {
    absl::MutexLock lock(&mu_);
    stopping_ = true;
  }
  if (thread_.joinable()) thread_.join();
  std::deque<std::shared_ptr<SegmentTask>> left;
  std::deque<DeviceWork*> work_left;
  {
    absl::MutexLock lock(&mu_);
    left.swap(tasks_);
    work_left.swap(device_work_);
  }
  for (DeviceWork* item : work_left) {
    item->status = absl::UnavailableError("the server shut down before its device work ran");
    item->done.Notify();
  }
  for (const auto& task : left) {
    task->on_device_done(absl::UnavailableError("the server shut down before the image was done"));
  }
}

bool DeviceBatcher::HasWork() const {
  if (stopping_ || !device_work_.empty()) return true;
  for (const auto& task : tasks_) {
    if (task->next_crop < task->job->num_crops()) return true;
  }
  return false;
}

void DeviceBatcher::Run() {
  c10::InferenceMode inference;
  std::optional<QueuedBatch> running;  // queued on the device, not yet reported
  while (true) {
    bool stopping;
    {
      absl::MutexLock lock(&mu_);
      // With a batch running, go on at once: queue the next one while it runs.
      if (!running) {
        auto ready = [this]() ABSL_SHARED_LOCKS_REQUIRED(mu_) { return HasWork(); };
        mu_.Await(absl::Condition(&ready));
      }
      stopping = stopping_;
    }
    if (stopping) {
      if (running) Complete(*running);
      return;
    }
    if (options_.before_batch) options_.before_batch();
    DropCancelled();
    std::vector<Slice> slices;
    {
      absl::MutexLock lock(&mu_);
      slices = FormBatch();
    }
    std::optional<QueuedBatch> queued;
    if (!slices.empty()) queued = Queue(std::move(slices));
    // Report the older batch first: a task's last crops may be in the newer one.
    if (running) {
      Complete(*running);
      running.reset();
    }
    if (queued) {
      if (queued->done.Reached()) {
        Complete(*queued);  // always on the CPU
      } else {
        running = std::move(queued);
      }
    }
    // Then one piece of other device work (queued behind the running batch on CUDA).
    RunOneDeviceWork();
  }
}

void DeviceBatcher::DropCancelled() {
  std::vector<std::pair<std::shared_ptr<SegmentTask>, absl::Status>> dropped;
  {
    absl::MutexLock lock(&mu_);
    for (auto it = tasks_.begin(); it != tasks_.end();) {
      absl::Status status = (*it)->cancel->Check("its next ViT batch");
      if (status.ok()) {
        ++it;
      } else {
        dropped.emplace_back(std::move(*it), std::move(status));
        it = tasks_.erase(it);
      }
    }
  }
  for (auto& [task, status] : dropped) task->on_device_done(std::move(status));
}

std::vector<DeviceBatcher::Slice> DeviceBatcher::FormBatch() {
  std::vector<Slice> batch;
  if (tasks_.empty()) return batch;
  const pipeline::SegmentJob& first = *tasks_.front()->job;
  const int64_t crop_h = first.crop_height(), crop_w = first.crop_width();
  const int64_t capacity = pipeline::CropsPerBatch(
      model_.config(), crop_h, crop_w, c10::elementSize(model_.dtype()),
      options_.batch_memory_bytes, options_.max_batch_crops, model_.attention_mode());
  int64_t taken = 0;
  // Oldest first; calls whose crops have another size wait for a batch of their own.
  for (const auto& task : tasks_) {
    if (taken == capacity) break;
    const pipeline::SegmentJob& job = *task->job;
    if (job.crop_height() != crop_h || job.crop_width() != crop_w) continue;
    const int64_t count = std::min(capacity - taken, job.num_crops() - task->next_crop);
    if (count <= 0) continue;
    batch.push_back({task, task->next_crop, task->next_crop + count});
    task->next_crop += count;
    taken += count;
  }
  return batch;
}

DeviceBatcher::QueuedBatch DeviceBatcher::Queue(std::vector<Slice> slices) {
  QueuedBatch batch;
  batch.queued_at = absl::Now();
  batch.slices = std::move(slices);
  const int64_t patch = model_.config().patch_size;
  batch.status = GuardTorch("device batch", [&]() -> absl::Status {
    std::vector<at::Tensor> inputs;
    inputs.reserve(batch.slices.size());
    for (const Slice& slice : batch.slices) {
      inputs.push_back(slice.task->job->CropViews(slice.begin, slice.end));
      batch.crops += slice.end - slice.begin;
    }
    absl::StatusOr<at::Tensor> features =
        model_.EncodeImages(inputs.size() == 1 ? inputs.front() : at::cat(inputs, 0));
    if (!features.ok()) return features.status();
    // Each call's views are contiguous in the batch (CropViews is view-major per call).
    int64_t offset = 0;
    for (const Slice& slice : batch.slices) {
      const int64_t views = pipeline::kNumViews * (slice.end - slice.begin);
      slice.task->job->AddCropFeatures(slice.begin, features->narrow(0, offset, views),
                                       *slice.task->queries, patch);
      offset += views;
    }
    batch.done =
        options_.record_marker ? options_.record_marker() : DeviceMarker::Record(model_.device());
    return absl::OkStatus();
  });
  return batch;
}

void DeviceBatcher::Complete(QueuedBatch& batch) {
  if (batch.status.ok()) {
    batch.status = GuardTorch("device batch", [&]() -> absl::Status {
      batch.done.Wait();
      return absl::OkStatus();
    });
  }
  const absl::Time now = absl::Now();
  // The device worked on this batch from when it was queued or the previous one finished,
  // whichever is later (the previous one may still have been running when this one was queued).
  const double batch_ms =
      absl::ToDoubleMilliseconds(now - std::max(batch.queued_at, device_idle_since_));
  device_idle_since_ = now;
  if (options_.on_batch) {
    options_.on_batch(static_cast<int>(batch.crops), static_cast<int>(batch.slices.size()));
  }

  std::vector<std::pair<std::shared_ptr<SegmentTask>, absl::Status>> finished;
  {
    absl::MutexLock lock(&mu_);
    for (const Slice& slice : batch.slices) {
      // A task dropped (cancelled) while its batch ran has been reported already.
      const auto it = std::find(tasks_.begin(), tasks_.end(), slice.task);
      if (it == tasks_.end()) continue;
      SegmentTask& task = *slice.task;
      task.model_ms += batch_ms * static_cast<double>(slice.end - slice.begin) /
                       static_cast<double>(std::max<int64_t>(batch.crops, 1));
      task.completed_crops += slice.end - slice.begin;
      // Not next_crop: with two batches in flight it already counts the newer batch's crops.
      const bool done = task.completed_crops == task.job->num_crops();
      if (!batch.status.ok() || done) {
        finished.emplace_back(slice.task, batch.status);
        tasks_.erase(it);
      }
    }
  }
  for (auto& [task, task_status] : finished) task->on_device_done(std::move(task_status));
}

}  // namespace itaclip::server
