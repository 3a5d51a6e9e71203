// SegmentExecutor end to end on a tiny model: worker pool, device batcher, a memory store and a
// registry with the real text embedder. A call's answer matches core's Segmenter, failures come
// back as statuses, and every path releases the admission ticket before the callback.
#include "server/scheduling/segment_executor.h"

#include <ATen/ATen.h>

#include <memory>
#include <numeric>
#include <opencv2/core.hpp>
#include <opencv2/imgcodecs.hpp>
#include <string>
#include <utility>
#include <vector>

#include "absl/synchronization/notification.h"
#include "absl/time/clock.h"
#include "core/pipeline/segmenter.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "server/api/segment_conversion.h"
#include "server/vocabulary/embedding_cache.h"
#include "server/vocabulary/memory_vocabulary_store.h"
#include "server/vocabulary/vocabulary_proto.h"
#include "server/vocabulary/vocabulary_registry.h"
#include "tests/server/scheduling/tiny_pipeline.h"

namespace itaclip::server {
namespace {

// The description weight for vocabularies that leave theirs to the preset (VOC21's).
constexpr double kUnsetWeight = 0.05;

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using testing::RandomImage;
using testing::SmallParams;
using testing::TinyModel;

v1::VocabularyDefinition PetsVocabulary() {
  v1::VocabularyDefinition definition;
  definition.set_background_first(true);
  v1::ClassDefinition* background = definition.add_classes();
  background->add_names("sky");
  background->add_names("wall");
  v1::ClassDefinition* cat = definition.add_classes();
  cat->add_names("cat");
  cat->set_description("a small pet");
  definition.add_classes()->add_names("dog");
  return definition;
}

std::string EncodePng(const cv::Mat& image) {
  std::vector<uchar> bytes;
  EXPECT_TRUE(cv::imencode(".png", image, bytes));
  return std::string(bytes.begin(), bytes.end());
}

// What the callback saw.
struct Outcome {
  absl::Notification done;
  absl::StatusOr<v1::SegmentResponse> result = absl::UnknownError("no answer");
  // Admitted calls while the answer was made (its own place still held), and when it was sent.
  int64_t pending_while_answering = -1;
  int64_t pending_at_send = -1;
  int calls = 0;
};

class SegmentExecutorTest : public ::testing::Test {
 protected:
  SegmentExecutorTest()
      : store_(MakeMemoryVocabularyStore()),
        cache_(int64_t{1} << 20),
        registry_(store_.get(), &cache_, testing::TinyEmbeddingBuilder(), Limits()),
        admission_(4, Limits().max_server_memory_bytes),
        batcher_(TinyModel(), MakeBatcherOptions()),
        workers_(1),
        executor_(TinyModel(), registry_, workers_, batcher_, Limits(), nullptr) {}

  DeviceBatcherOptions MakeBatcherOptions() {
    DeviceBatcherOptions options;
    options.on_batch = [this](int, int) { ++batches_; };
    return options;
  }

  // Admits and starts a call of `request` with SmallParams(64); `outcome` gets the answer.
  void Start(const v1::SegmentRequest& request, std::shared_ptr<CancelToken> cancel,
             Outcome& outcome) {
    absl::StatusOr<std::unique_ptr<AdmissionTicket>> ticket = admission_.TryAdmit();
    ASSERT_TRUE(ticket.ok()) << ticket.status();
    // Through the API's conversion seam, both ways, as the server does. The request's checks
    // (ValidateSegmentRequest) are left out, so that a bad image reaches the executor.
    ValidatedSegment validated;
    if (request.has_inline_vocabulary()) {
      validated.inline_vocabulary = VocabularyFromProto(request.inline_vocabulary());
    }
    SegmentCall call = SegmentCallFrom(request, std::move(validated), SmallParams(64), Limits());
    call.cancel = std::move(cancel);
    call.received = absl::Now();
    executor_.Start(std::move(call), *std::move(ticket),
                    [this, &outcome, &request](absl::StatusOr<SegmentResult> result) -> SendAnswer {
                      outcome.pending_while_answering = admission_.pending();
                      ++outcome.calls;
                      outcome.result = result.ok()
                                           ? SegmentResponseFrom(*std::move(result), request)
                                           : absl::StatusOr<v1::SegmentResponse>(result.status());
                      return [this, &outcome] {
                        outcome.pending_at_send = admission_.pending();
                        outcome.done.Notify();
                      };
                    });
  }

  // The label map Segmenter gives for `image` against the registry's embeddings of `id`.
  cv::Mat SegmenterLabels(const cv::Mat& image, const std::string& id) {
    absl::StatusOr<std::shared_ptr<const text::QueryEmbeddings>> queries =
        registry_.Embeddings(id, kUnsetWeight);
    EXPECT_TRUE(queries.ok()) << queries.status();
    absl::StatusOr<pipeline::Segmentation> alone =
        pipeline::Segmenter(TinyModel(), {}).Segment(image, **queries, SmallParams(64), false);
    EXPECT_TRUE(alone.ok()) << alone.status();
    return alone->labels;
  }

  std::unique_ptr<VocabularyStore> store_;
  EmbeddingCache cache_;
  VocabularyRegistry registry_;
  AdmissionControl admission_;
  std::atomic<int> batches_{0};
  DeviceBatcher batcher_;
  WorkerPool workers_;
  SegmentExecutor executor_;
};

TEST_F(SegmentExecutorTest, AnInlineVocabularyCallAnswersWithLabelsAtTheImageSize) {
  const cv::Mat image = RandomImage(96, 64, 21);
  v1::SegmentRequest request;
  request.set_encoded_image(EncodePng(image));
  *request.mutable_inline_vocabulary() = PetsVocabulary();
  request.set_label_format(v1::LABEL_FORMAT_PNG);
  request.set_score_format(v1::SCORE_FORMAT_FLOAT32);

  Outcome outcome;
  Start(request, std::make_shared<CancelToken>(), outcome);
  outcome.done.WaitForNotification();
  ASSERT_TRUE(outcome.result.ok()) << outcome.result.status();
  const v1::SegmentResponse& response = *outcome.result;
  EXPECT_EQ(outcome.pending_while_answering, 1);
  EXPECT_EQ(outcome.pending_at_send, 0);
  EXPECT_EQ(outcome.calls, 1);

  // The inline vocabulary was registered on the way, under the id the answer names.
  ASSERT_FALSE(response.vocabulary_id().empty());
  EXPECT_TRUE(registry_.Get(response.vocabulary_id()).ok());
  EXPECT_THAT(response.class_names(), ElementsAre("sky", "cat", "dog"));

  ASSERT_EQ(response.labels().width(), 96);
  ASSERT_EQ(response.labels().height(), 64);
  const std::string& png = response.labels().data();
  cv::Mat labels = cv::imdecode(std::vector<uchar>(png.begin(), png.end()), cv::IMREAD_UNCHANGED);
  ASSERT_FALSE(labels.empty());
  EXPECT_EQ(labels.cols, 96);
  EXPECT_EQ(labels.rows, 64);
  EXPECT_EQ(labels.type(), CV_8UC1);
  EXPECT_EQ(cv::countNonZero(labels != SegmenterLabels(image, response.vocabulary_id())), 0);

  ASSERT_EQ(response.class_pixel_counts_size(), 3);
  EXPECT_EQ(std::accumulate(response.class_pixel_counts().begin(),
                            response.class_pixel_counts().end(), int64_t{0}),
            96 * 64);
  EXPECT_EQ(response.scores().num_classes(), 3);
  EXPECT_EQ(response.scores().data().size(), size_t{3} * 96 * 64 * sizeof(float));
  EXPECT_EQ(response.crops(), 3);  // 96 x 64 with 64-pixel crops, stride 28: 1 x 3
  EXPECT_GT(response.timings().total_ms(), 0);
  EXPECT_GE(response.timings().total_ms(), response.timings().queued_ms());
  EXPECT_EQ(batches_.load(), 1);
}

TEST_F(SegmentExecutorTest, ARegisteredVocabularyCallAnswersWithRawLabelsAndNoScores) {
  absl::StatusOr<VocabularyRegistry::Registration> registration =
      registry_.Register(VocabularyFromProto(PetsVocabulary()), "pets", kUnsetWeight);
  ASSERT_TRUE(registration.ok()) << registration.status();
  const cv::Mat image = RandomImage(64, 80, 22);
  v1::SegmentRequest request;
  v1::RawImage* raw = request.mutable_raw_image();
  raw->set_width(64);
  raw->set_height(80);
  raw->set_format(v1::RawImage::BGR);
  raw->set_pixels(std::string(reinterpret_cast<const char*>(image.data), image.total() * 3));
  request.set_vocabulary_id(registration->id);
  request.set_label_format(v1::LABEL_FORMAT_RAW);

  Outcome outcome;
  Start(request, std::make_shared<CancelToken>(), outcome);
  outcome.done.WaitForNotification();
  ASSERT_TRUE(outcome.result.ok()) << outcome.result.status();
  const v1::SegmentResponse& response = *outcome.result;
  EXPECT_EQ(response.vocabulary_id(), registration->id);
  EXPECT_EQ(response.labels().width(), 64);
  EXPECT_EQ(response.labels().height(), 80);
  ASSERT_EQ(response.labels().data().size(), size_t{64} * 80);
  cv::Mat labels(80, 64, CV_8UC1, const_cast<char*>(response.labels().data().data()));
  EXPECT_EQ(cv::countNonZero(labels != SegmenterLabels(image, registration->id)), 0);
  EXPECT_FALSE(response.has_scores());
  EXPECT_EQ(response.crops(), 2);  // 64 x 80: (80 - 64 + 27) / 28 + 1 = 2 rows, 1 column
}

TEST_F(SegmentExecutorTest, ACallCancelledBeforeAWorkerTakesItEndsCancelledAndFreesItsPlace) {
  // The only worker is busy, so the call waits in the intake queue.
  absl::Notification worker_busy, release_worker;
  workers_.Submit([&] {
    worker_busy.Notify();
    release_worker.WaitForNotification();
  });
  worker_busy.WaitForNotification();

  v1::SegmentRequest request;
  request.set_encoded_image(EncodePng(RandomImage(64, 64, 23)));
  *request.mutable_inline_vocabulary() = PetsVocabulary();
  auto cancel = std::make_shared<CancelToken>();
  Outcome outcome;
  Start(request, cancel, outcome);
  EXPECT_EQ(admission_.pending(), 1);
  EXPECT_EQ(workers_.queue_depth(), 1);
  cancel->Cancel();
  release_worker.Notify();
  outcome.done.WaitForNotification();

  EXPECT_EQ(outcome.result.status().code(), absl::StatusCode::kCancelled);
  EXPECT_THAT(outcome.result.status().message(), HasSubstr("decoding the image"));
  EXPECT_EQ(outcome.pending_while_answering, 1);
  EXPECT_EQ(outcome.pending_at_send, 0);
  EXPECT_EQ(admission_.pending(), 0);
  EXPECT_EQ(batches_.load(), 0);
  // Nothing of it reached the registry either.
  absl::StatusOr<std::vector<VocabularyRecord>> stored = registry_.List();
  ASSERT_TRUE(stored.ok());
  EXPECT_TRUE(stored->empty());
}

TEST_F(SegmentExecutorTest, AnUndecodableImageEndsWithInvalidArgument) {
  v1::SegmentRequest request;
  request.set_encoded_image("this is not an image at all");
  *request.mutable_inline_vocabulary() = PetsVocabulary();
  Outcome outcome;
  Start(request, std::make_shared<CancelToken>(), outcome);
  outcome.done.WaitForNotification();
  EXPECT_EQ(outcome.result.status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(outcome.pending_while_answering, 1);
  EXPECT_EQ(outcome.pending_at_send, 0);
  EXPECT_EQ(outcome.calls, 1);
  EXPECT_EQ(batches_.load(), 0);
}

TEST_F(SegmentExecutorTest, AnUnknownVocabularyIdEndsWithNotFound) {
  absl::StatusOr<VocabularyRegistry::Registration> registration =
      registry_.Register(VocabularyFromProto(PetsVocabulary()), "pets", kUnsetWeight);
  ASSERT_TRUE(registration.ok()) << registration.status();
  ASSERT_TRUE(registry_.Delete(registration->id).ok());
  v1::SegmentRequest request;
  request.set_encoded_image(EncodePng(RandomImage(64, 64, 24)));
  request.set_vocabulary_id(registration->id);  // well-formed, no longer stored
  Outcome outcome;
  Start(request, std::make_shared<CancelToken>(), outcome);
  outcome.done.WaitForNotification();
  EXPECT_EQ(outcome.result.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(outcome.pending_while_answering, 1);
  EXPECT_EQ(outcome.pending_at_send, 0);
}

}  // namespace
}  // namespace itaclip::server
