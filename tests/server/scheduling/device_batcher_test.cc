// DeviceBatcher on a tiny model: calls share ViT batches only when their crops have one size,
// batches respect max_batch_crops, cancelled calls are dropped between batches, Stop fails what
// waits, and a call's result through the batcher equals core's Segmenter on that image alone.
#include "server/scheduling/device_batcher.h"

#include <ATen/ATen.h>
#include <c10/core/InferenceMode.h>

#include <atomic>
#include <memory>
#include <opencv2/core.hpp>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "absl/synchronization/mutex.h"
#include "absl/synchronization/notification.h"
#include "core/pipeline/segmenter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/server/scheduling/tiny_pipeline.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;
using testing::MakeTask;
using testing::RandomImage;
using testing::SmallParams;
using testing::TinyModel;
using testing::TinyQueries;

// Holds the device thread in before_batch on its first batch until Open(); later batches pass.
class DeviceGate {
 public:
  std::function<void()> Hook() {
    return [this] {
      if (calls_.fetch_add(1) == 0) {
        entered_.Notify();
        open_.WaitForNotification();
      }
    };
  }
  void WaitUntilHeld() { entered_.WaitForNotification(); }
  void Open() { open_.Notify(); }

 private:
  std::atomic<int> calls_{0};
  absl::Notification entered_, open_;
};

struct BatchRecord {
  int crops;
  int requests;
};

// The batches the device ran, in order (on_batch).
class BatchLog {
 public:
  std::function<void(int, int)> Hook() {
    return [this](int crops, int requests) {
      absl::MutexLock lock(&mu_);
      batches_.push_back({crops, requests});
    };
  }
  std::vector<BatchRecord> batches() const {
    absl::MutexLock lock(&mu_);
    return batches_;
  }
  int size() const {
    absl::MutexLock lock(&mu_);
    return static_cast<int>(batches_.size());
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<BatchRecord> batches_;
};

// A task and how its device work ended.
struct Probe {
  std::shared_ptr<SegmentTask> task;
  absl::Notification done;
  absl::Status status;
  int batches_before_done = -1;  // batches run when on_device_done came
};

std::unique_ptr<Probe> MakeProbe(const cv::Mat& image, const pipeline::PipelineParams& params,
                                 const BatchLog* log) {
  auto probe = std::make_unique<Probe>();
  probe->task = MakeTask(image, params, TinyQueries());
  Probe* raw = probe.get();
  probe->task->on_device_done = [raw, log](absl::Status status) {
    raw->status = std::move(status);
    raw->batches_before_done = log->size();
    raw->done.Notify();
  };
  return probe;
}

// Finishes a task whose crops are all fused and checks it against Segmenter on the image alone.
void ExpectSameAsSegmenter(Probe& probe, const cv::Mat& image,
                           const pipeline::PipelineParams& params) {
  ASSERT_TRUE(probe.status.ok()) << probe.status;
  c10::InferenceMode inference;
  pipeline::Segmentation batched = probe.task->job->Finish(*probe.task->queries, true);
  absl::StatusOr<pipeline::Segmentation> alone =
      pipeline::Segmenter(TinyModel(), pipeline::SegmenterOptions{})
          .Segment(image, *TinyQueries(), params, true);
  ASSERT_TRUE(alone.ok()) << alone.status();
  ASSERT_EQ(batched.labels.size(), alone->labels.size());
  EXPECT_EQ(cv::countNonZero(batched.labels != alone->labels), 0);
  ASSERT_EQ(batched.scores.sizes(), alone->scores.sizes());
  EXPECT_LT((batched.scores - alone->scores).abs().max().item<double>(), 1e-5);
  EXPECT_EQ(batched.class_pixel_counts, alone->class_pixel_counts);
  EXPECT_EQ(batched.crops, alone->crops);
}

class DeviceBatcherTest : public ::testing::Test {
 protected:
  void SetUp() override { TinyQueries(); }  // builds the model and embeddings before any timing
};

TEST_F(DeviceBatcherTest, WithADeviceBehindTheHostTwoBatchesAreInFlightAndResultsAreUnchanged) {
  // max_batch_crops 1: a's 3 crops and b's 2 take 5 batches. Marker i is reached only once
  // batch i + 1 has been queued (or when it is the last): the batcher must queue the next batch
  // before it reports the previous one, report every call once, after all of its crops, and
  // leave results unchanged.
  const pipeline::PipelineParams params = SmallParams(64);
  const cv::Mat image_a = RandomImage(96, 64, 1), image_b = RandomImage(64, 90, 2);
  BatchLog log;
  DeviceGate gate;
  std::unique_ptr<Probe> a = MakeProbe(image_a, params, &log);
  std::unique_ptr<Probe> b = MakeProbe(image_b, params, &log);
  constexpr int kBatches = 5;
  std::atomic<int> recorded{0};
  // Whether batch i was still running when batch i + 1 was queued.
  std::atomic<int> in_flight_pairs{0};
  auto record = [&]() {
    const int index = recorded.fetch_add(1);
    if (index > 0) in_flight_pairs.fetch_add(1);  // batch index - 1 is not reached yet
    return DeviceMarker(
        [&recorded, index] { return recorded.load() > index + 1 || index == kBatches - 1; });
  };
  DeviceBatcher batcher(TinyModel(), {.max_batch_crops = 1,
                                      .batch_memory_bytes = int64_t{1} << 30,
                                      .on_batch = log.Hook(),
                                      .before_batch = gate.Hook(),
                                      .record_marker = record});
  batcher.Submit(a->task);
  batcher.Submit(b->task);
  gate.WaitUntilHeld();  // both are queued before the first batch forms
  gate.Open();
  a->done.WaitForNotification();
  b->done.WaitForNotification();
  EXPECT_EQ(recorded.load(), kBatches);
  EXPECT_EQ(in_flight_pairs.load(), kBatches - 1);
  EXPECT_EQ(log.size(), kBatches);
  // a (oldest first) is reported after the batch of its third crop has run, not when it was
  // queued; b after the last batch.
  EXPECT_EQ(a->batches_before_done, 3);
  EXPECT_EQ(b->batches_before_done, kBatches);
  EXPECT_EQ(a->task->completed_crops, 3);
  EXPECT_EQ(b->task->completed_crops, 2);
  ExpectSameAsSegmenter(*a, image_a, params);
  ExpectSameAsSegmenter(*b, image_b, params);
}

TEST_F(DeviceBatcherTest, SameSizeCallsShareOneBatchAndMatchTheSegmenter) {
  const pipeline::PipelineParams params = SmallParams(64);
  const cv::Mat image_a = RandomImage(96, 64, 1), image_b = RandomImage(64, 90, 2);
  BatchLog log;
  DeviceGate gate;
  std::unique_ptr<Probe> a = MakeProbe(image_a, params, &log);
  std::unique_ptr<Probe> b = MakeProbe(image_b, params, &log);
  // 96 x 64: 1 x 3 crops; 64 x 90: 2 x 1 crops ((90 - 64 + 27) / 28 + 1 = 2).
  ASSERT_EQ(a->task->job->num_crops(), 3);
  ASSERT_EQ(b->task->job->num_crops(), 2);

  DeviceBatcher batcher(TinyModel(), {.max_batch_crops = 16,
                                      .batch_memory_bytes = int64_t{1} << 30,
                                      .on_batch = log.Hook(),
                                      .before_batch = gate.Hook(),
                                      .record_marker = {}});
  batcher.Submit(a->task);
  gate.WaitUntilHeld();
  batcher.Submit(b->task);
  EXPECT_EQ(batcher.active_tasks(), 2);
  gate.Open();
  a->done.WaitForNotification();
  b->done.WaitForNotification();

  const std::vector<BatchRecord> batches = log.batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].requests, 2);
  EXPECT_EQ(batches[0].crops, 5);
  EXPECT_EQ(batcher.active_tasks(), 0);
  EXPECT_GT(a->task->model_ms, 0);
  ExpectSameAsSegmenter(*a, image_a, params);
  ExpectSameAsSegmenter(*b, image_b, params);
}

TEST_F(DeviceBatcherTest, CallsWithDifferentCropSizesNeverShareABatch) {
  const pipeline::PipelineParams params64 = SmallParams(64), params48 = SmallParams(48);
  const cv::Mat image_a = RandomImage(96, 64, 3), image_b = RandomImage(72, 48, 4),
                image_c = RandomImage(64, 64, 5);
  BatchLog log;
  DeviceGate gate;
  std::unique_ptr<Probe> a = MakeProbe(image_a, params64, &log);
  std::unique_ptr<Probe> b = MakeProbe(image_b, params48, &log);
  std::unique_ptr<Probe> c = MakeProbe(image_c, params64, &log);
  ASSERT_EQ(b->task->job->crop_height(), 48);
  ASSERT_EQ(a->task->job->crop_height(), 64);

  DeviceBatcher batcher(TinyModel(),
                        {.on_batch = log.Hook(), .before_batch = gate.Hook(), .record_marker = {}});
  batcher.Submit(a->task);
  gate.WaitUntilHeld();
  batcher.Submit(b->task);
  batcher.Submit(c->task);
  gate.Open();
  a->done.WaitForNotification();
  b->done.WaitForNotification();
  c->done.WaitForNotification();

  // A and C (64 x 64 crops, 3 + 1) go together, oldest first; B (48 x 48, 2 crops) alone after.
  const std::vector<BatchRecord> batches = log.batches();
  ASSERT_EQ(batches.size(), 2u);
  EXPECT_EQ(batches[0].requests, 2);
  EXPECT_EQ(batches[0].crops, 4);
  EXPECT_EQ(batches[1].requests, 1);
  EXPECT_EQ(batches[1].crops, 2);
  EXPECT_EQ(a->batches_before_done, 1);
  EXPECT_EQ(c->batches_before_done, 1);
  EXPECT_EQ(b->batches_before_done, 2);
  ExpectSameAsSegmenter(*b, image_b, params48);
  ExpectSameAsSegmenter(*c, image_c, params64);
}

TEST_F(DeviceBatcherTest, MaxBatchCropsBoundsEveryBatch) {
  const pipeline::PipelineParams params = SmallParams(64);
  const cv::Mat image_a = RandomImage(96, 64, 6), image_b = RandomImage(96, 64, 7);
  BatchLog log;
  DeviceGate gate;
  std::unique_ptr<Probe> a = MakeProbe(image_a, params, &log);
  std::unique_ptr<Probe> b = MakeProbe(image_b, params, &log);

  DeviceBatcher batcher(TinyModel(), {.max_batch_crops = 2,
                                      .batch_memory_bytes = int64_t{1} << 30,
                                      .on_batch = log.Hook(),
                                      .before_batch = gate.Hook(),
                                      .record_marker = {}});
  batcher.Submit(a->task);
  gate.WaitUntilHeld();
  batcher.Submit(b->task);
  gate.Open();
  a->done.WaitForNotification();
  b->done.WaitForNotification();

  // 3 + 3 crops, two per batch, oldest first: A0 A1 | A2 B0 | B1 B2.
  const std::vector<BatchRecord> batches = log.batches();
  ASSERT_EQ(batches.size(), 3u);
  EXPECT_EQ(batches[0].crops, 2);
  EXPECT_EQ(batches[0].requests, 1);
  EXPECT_EQ(batches[1].crops, 2);
  EXPECT_EQ(batches[1].requests, 2);
  EXPECT_EQ(batches[2].crops, 2);
  EXPECT_EQ(batches[2].requests, 1);
  EXPECT_EQ(a->batches_before_done, 2);
  EXPECT_EQ(b->batches_before_done, 3);
  // A call split over several batches still gets the whole image's result.
  ExpectSameAsSegmenter(*a, image_a, params);
  ExpectSameAsSegmenter(*b, image_b, params);
}

TEST_F(DeviceBatcherTest, ACallCancelledWhileWaitingIsDroppedWithoutFeatures) {
  const pipeline::PipelineParams params = SmallParams(64);
  const cv::Mat image_a = RandomImage(96, 64, 8), image_b = RandomImage(96, 64, 9);
  BatchLog log;
  DeviceGate gate;
  std::unique_ptr<Probe> a = MakeProbe(image_a, params, &log);
  std::unique_ptr<Probe> b = MakeProbe(image_b, params, &log);

  DeviceBatcher batcher(TinyModel(),
                        {.on_batch = log.Hook(), .before_batch = gate.Hook(), .record_marker = {}});
  batcher.Submit(a->task);
  gate.WaitUntilHeld();
  batcher.Submit(b->task);
  b->task->cancel->Cancel();
  gate.Open();
  a->done.WaitForNotification();
  b->done.WaitForNotification();

  EXPECT_EQ(b->status.code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(b->status.message(), HasSubstr("ViT batch"));
  EXPECT_EQ(b->task->next_crop, 0);  // none of its crops went through the ViT
  EXPECT_EQ(b->batches_before_done, 0);
  const std::vector<BatchRecord> batches = log.batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].requests, 1);
  EXPECT_EQ(batches[0].crops, 3);
  ExpectSameAsSegmenter(*a, image_a, params);
}

TEST_F(DeviceBatcherTest, TheCallHoldingTheDeviceIsDroppedWhenCancelled) {
  const pipeline::PipelineParams params = SmallParams(64);
  BatchLog log;
  DeviceGate gate;
  std::unique_ptr<Probe> a = MakeProbe(RandomImage(96, 64, 10), params, &log);
  std::unique_ptr<Probe> b = MakeProbe(RandomImage(64, 64, 11), params, &log);

  DeviceBatcher batcher(TinyModel(),
                        {.on_batch = log.Hook(), .before_batch = gate.Hook(), .record_marker = {}});
  batcher.Submit(a->task);
  gate.WaitUntilHeld();  // A woke the device thread; its batch is not formed yet
  batcher.Submit(b->task);
  a->task->cancel->Cancel();
  gate.Open();
  a->done.WaitForNotification();
  b->done.WaitForNotification();

  EXPECT_EQ(a->status.code(), absl::StatusCode::kCancelled);
  EXPECT_EQ(a->task->next_crop, 0);
  EXPECT_TRUE(b->status.ok()) << b->status;
  const std::vector<BatchRecord> batches = log.batches();
  ASSERT_EQ(batches.size(), 1u);
  EXPECT_EQ(batches[0].requests, 1);
  EXPECT_EQ(batches[0].crops, 1);
}

TEST_F(DeviceBatcherTest, ACallPastItsDeadlineIsDroppedWithDeadlineExceeded) {
  const pipeline::PipelineParams params = SmallParams(64);
  BatchLog log;
  std::unique_ptr<Probe> a = MakeProbe(RandomImage(64, 64, 12), params, &log);
  a->task->cancel = std::make_shared<CancelToken>(absl::Now() - absl::Seconds(1));
  DeviceBatcher batcher(TinyModel(),
                        {.on_batch = log.Hook(), .before_batch = nullptr, .record_marker = {}});
  batcher.Submit(a->task);
  a->done.WaitForNotification();
  EXPECT_EQ(a->status.code(), absl::StatusCode::kDeadlineExceeded);
  EXPECT_EQ(a->task->next_crop, 0);
  EXPECT_EQ(log.size(), 0);
}

TEST_F(DeviceBatcherTest, StopFailsTheCallsStillWaitingWithUnavailable) {
  const pipeline::PipelineParams params = SmallParams(64);
  BatchLog log;
  std::unique_ptr<Probe> a = MakeProbe(RandomImage(96, 64, 13), params, &log);  // 3 crops
  std::unique_ptr<Probe> b = MakeProbe(RandomImage(64, 64, 14), params, &log);
  // The device is held after its first batch (A's first crop) until Stop is under way.
  absl::Notification first_batch_ran, release;
  std::atomic<int> batches{0};
  DeviceBatcherOptions options;
  options.max_batch_crops = 1;
  options.on_batch = [&](int, int) {
    if (batches.fetch_add(1) == 0) {
      first_batch_ran.Notify();
      release.WaitForNotification();
    }
  };
  DeviceBatcher batcher(TinyModel(), options);
  batcher.Submit(a->task);
  first_batch_ran.WaitForNotification();
  batcher.Submit(b->task);

  std::thread stopper([&batcher] { batcher.Stop(); });
  // Stop is under way once a submission is refused at once. Probes accepted before that wait like
  // B and must be failed like it.
  std::vector<std::unique_ptr<Probe>> probes;
  while (true) {
    probes.push_back(MakeProbe(RandomImage(64, 64, 15), params, &log));
    batcher.Submit(probes.back()->task);
    if (probes.back()->done.HasBeenNotified()) break;
  }
  release.Notify();
  stopper.join();

  EXPECT_EQ(batches.load(), 1);
  EXPECT_EQ(a->status.code(), absl::StatusCode::kUnavailable) << a->status;
  EXPECT_EQ(a->task->next_crop, 1);
  EXPECT_EQ(b->status.code(), absl::StatusCode::kUnavailable) << b->status;
  EXPECT_EQ(b->task->next_crop, 0);
  for (const auto& probe : probes) {
    ASSERT_TRUE(probe->done.HasBeenNotified());
    EXPECT_EQ(probe->status.code(), absl::StatusCode::kUnavailable);
    EXPECT_THAT(probe->status.message(), HasSubstr("shut"));
  }
  EXPECT_EQ(batcher.active_tasks(), 0);
}

TEST_F(DeviceBatcherTest, OtherDeviceWorkTakesTurnsWithViTBatchesOnTheDeviceThread) {
  const pipeline::PipelineParams params = SmallParams(64);
  BatchLog log;  // read by the probe only
  std::unique_ptr<Probe> a = MakeProbe(RandomImage(96, 64, 21), params, &log);  // 3 crops
  absl::Mutex mu;
  std::vector<std::string> order;  // "vit" per ViT batch, "work" per piece of other work
  std::thread::id device_thread;
  DeviceGate gate;
  DeviceBatcherOptions options;
  options.max_batch_crops = 1;  // 3 ViT batches
  options.before_batch = gate.Hook();
  options.on_batch = [&](int, int) {
    absl::MutexLock lock(&mu);
    order.push_back("vit");
    device_thread = std::this_thread::get_id();
  };
  DeviceBatcher batcher(TinyModel(), options);
  batcher.Submit(a->task);
  gate.WaitUntilHeld();
  // Two pieces of work queued while the device is held, from two callers.
  std::vector<absl::Status> results(2);
  std::vector<std::thread::id> ran_on(2);
  std::vector<std::thread> callers;
  for (int i = 0; i < 2; ++i) {
    callers.emplace_back([&, i] {
      results[i] = batcher.RunOnDevice([&, i] {
        absl::MutexLock lock(&mu);
        order.push_back("work");
        ran_on[i] = std::this_thread::get_id();
        return i == 0 ? absl::OkStatus() : absl::DataLossError("the work's own error");
      });
    });
    while (batcher.queued_device_work() != i + 1) std::this_thread::yield();
  }
  gate.Open();
  for (std::thread& caller : callers) caller.join();
  a->done.WaitForNotification();

  EXPECT_TRUE(a->status.ok()) << a->status;
  EXPECT_EQ(order, (std::vector<std::string>{"vit", "work", "vit", "work", "vit"}));
  EXPECT_EQ(ran_on[0], device_thread);
  EXPECT_EQ(ran_on[1], device_thread);
  EXPECT_TRUE(results[0].ok()) << results[0];
  EXPECT_EQ(results[1].code(), absl::StatusCode::kDataLoss);  // the work's status, returned
}

TEST_F(DeviceBatcherTest, DeviceWorkRunsWithoutViTWorkAndIsRefusedOnceStopped) {
  DeviceBatcher batcher(TinyModel(), DeviceBatcherOptions());
  int runs = 0;
  for (int i = 0; i < 3; ++i) {
    EXPECT_TRUE(batcher
                    .RunOnDevice([&runs] {
                      ++runs;
                      return absl::OkStatus();
                    })
                    .ok());
  }
  EXPECT_EQ(runs, 3);
  batcher.Stop();
  const absl::Status refused = batcher.RunOnDevice([&runs] {
    ++runs;
    return absl::OkStatus();
  });
  EXPECT_EQ(refused.code(), absl::StatusCode::kUnavailable);
  EXPECT_EQ(runs, 3);
}

}  // namespace
}  // namespace itaclip::server
