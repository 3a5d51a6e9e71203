#include "server/scheduling/device_batcher.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <algorithm>
#include <utility>
#include <vector>

#include "absl/time/clock.h"
#include "core/common/device.h"
#include "core/common/torch_error_guard.h"
#include "core/pipeline/crop_batching.h"

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
  {
    absl::MutexLock lock(&mu_);
    left.swap(tasks_);
  }
  for (const auto& task : left) {
    task->on_device_done(absl::UnavailableError("the server shut down before the image was done"));
  }
}

void DeviceBatcher::Run() {
  c10::InferenceMode inference;
  while (true) {
    {
      absl::MutexLock lock(&mu_);
      auto ready = [this]()
                       ABSL_SHARED_LOCKS_REQUIRED(mu_) { return stopping_ || !tasks_.empty(); };
      mu_.Await(absl::Condition(&ready));
      if (stopping_) return;
    }
    if (options_.before_batch) options_.before_batch();
    DropCancelled();
    std::vector<Slice> batch;
    {
      absl::MutexLock lock(&mu_);
      batch = FormBatch();
    }
    if (!batch.empty()) RunBatch(batch);
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

void DeviceBatcher::RunBatch(const std::vector<Slice>& batch) {
  const absl::Time start = absl::Now();
  int64_t crops = 0;
  const int64_t patch = model_.config().patch_size;
  absl::Status status = GuardTorch("device batch", [&]() -> absl::Status {
    std::vector<at::Tensor> inputs;
    inputs.reserve(batch.size());
    for (const Slice& slice : batch) {
      inputs.push_back(slice.task->job->CropViews(slice.begin, slice.end));
      crops += slice.end - slice.begin;
    }
    absl::StatusOr<at::Tensor> features =
        model_.EncodeImages(inputs.size() == 1 ? inputs.front() : at::cat(inputs, 0));
    if (!features.ok()) return features.status();
    // Each call's views are contiguous in the batch (CropViews is view-major per call).
    int64_t offset = 0;
    for (const Slice& slice : batch) {
      const int64_t views = 5 * (slice.end - slice.begin);
      slice.task->job->AddCropFeatures(slice.begin, features->narrow(0, offset, views),
                                       *slice.task->queries, patch);
      offset += views;
    }
    SynchronizeDevice(model_.device());  // so that the model time is the device's
    return absl::OkStatus();
  });
  const double batch_ms = absl::ToDoubleMilliseconds(absl::Now() - start);
  if (options_.on_batch) options_.on_batch(static_cast<int>(crops), static_cast<int>(batch.size()));

  std::vector<std::pair<std::shared_ptr<SegmentTask>, absl::Status>> finished;
  {
    absl::MutexLock lock(&mu_);
    for (const Slice& slice : batch) {
      SegmentTask& task = *slice.task;
      task.model_ms += batch_ms * static_cast<double>(slice.end - slice.begin) /
                       static_cast<double>(std::max<int64_t>(crops, 1));
      const bool done = task.next_crop == task.job->num_crops();
      if (!status.ok() || done) {
        finished.emplace_back(slice.task, status);
        tasks_.erase(std::find(tasks_.begin(), tasks_.end(), slice.task));
      }
    }
  }
  for (auto& [task, task_status] : finished) task->on_device_done(std::move(task_status));
}

}  // namespace itaclip::server
