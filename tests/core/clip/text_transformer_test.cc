#include "core/clip/text_transformer.h"

#include <ATen/ATen.h>

#include <functional>
#include <thread>
#include <vector>

#include "core/clip/clip_model.h"
#include "gtest/gtest.h"
#include "tests/core/clip/reference_vit.h"
#include "tests/testing/tiny_model.h"

namespace itaclip::clip {
namespace {

TEST(TextTransformerTest, CutAtEndOfTextMatchesTheFull77TokenRun) {
  const checkpoint::ClipWeights weights = testing::MakeTinyWeights(/*seed=*/5);
  ClipModel model(weights);
  const std::vector<std::vector<int32_t>> sequences = {
      {49406, 320, 1929, 539, 320, 2368, 269, 49407},
      {49406, 1929, 49407},
      {49406, 320, 3305, 1125, 539, 320, 1929, 530, 518, 4009, 269, 49407},
      {49406, 7, 49407}};
  // A batch limit of 2 forces several length-sorted batches and a scatter back into order.
  TextEncodeOptions options;
  options.max_batch = 2;
  std::vector<int64_t> progress;
  options.progress = [&](int64_t done, int64_t total) {
    EXPECT_EQ(total, 4);
    progress.push_back(done);
  };
  absl::StatusOr<at::Tensor> out = model.EncodeTexts(sequences, options);
  ASSERT_TRUE(out.ok()) << out.status();
  ASSERT_EQ(out->sizes(), (std::vector<int64_t>{4, weights.config.embed_dim}));
  EXPECT_EQ(progress, (std::vector<int64_t>{2, 4}));
  for (size_t i = 0; i < sequences.size(); ++i) {
    at::Tensor expected = reference::Text(weights, sequences[i]);
    EXPECT_TRUE(at::allclose((*out)[i], expected, 1e-4, 1e-4)) << "sequence " << i;
  }
}

TEST(TextTransformerTest, DefaultBatchIs256OnTheCpuAnd2048OnCuda) {
  EXPECT_EQ(DefaultTextBatch(c10::Device(c10::kCPU)), 256);
  EXPECT_EQ(DefaultTextBatch(c10::Device(c10::kCUDA, 0)), 2048);
  // max_batch 0 (the default) uses it: 300 sequences on the CPU take two batches.
  ClipModel model(testing::MakeTinyWeights(/*seed=*/5));
  const std::vector<std::vector<int32_t>> sequences(300, {49406, 320, 49407});
  TextEncodeOptions options;
  std::vector<int64_t> progress;
  options.progress = [&](int64_t done, int64_t) { progress.push_back(done); };
  ASSERT_TRUE(model.EncodeTexts(sequences, options).ok());
  EXPECT_EQ(progress, (std::vector<int64_t>{256, 300}));
}

TEST(TextTransformerTest, RunBatchRunsEachBatchWhereItSaysWithTheSameResult) {
  ClipModel model(testing::MakeTinyWeights(/*seed=*/5));
  const std::vector<std::vector<int32_t>> sequences = {{49406, 320, 1929, 49407},
                                                       {49406, 1929, 49407},
                                                       {49406, 7, 320, 3305, 49407},
                                                       {49406, 7, 49407},
                                                       {49406, 320, 49407}};
  TextEncodeOptions inline_options;
  inline_options.max_batch = 2;
  absl::StatusOr<at::Tensor> inline_out = model.EncodeTexts(sequences, inline_options);
  ASSERT_TRUE(inline_out.ok()) << inline_out.status();

  // Each batch on another thread (as a server's device thread runs them): 3 batches of <= 2.
  TextEncodeOptions options = inline_options;
  int batches = 0;
  std::thread::id ran_on;
  options.run_batch = [&](const std::function<absl::Status()>& batch) {
    ++batches;
    absl::Status status;
    std::thread thread([&] {
      ran_on = std::this_thread::get_id();
      status = batch();
    });
    thread.join();
    EXPECT_NE(ran_on, std::this_thread::get_id());
    return status;
  };
  absl::StatusOr<at::Tensor> out = model.EncodeTexts(sequences, options);
  ASSERT_TRUE(out.ok()) << out.status();
  EXPECT_EQ(batches, 3);
  EXPECT_TRUE(at::equal(*out, *inline_out));

  // A batch's error ends the encoding with it.
  options.run_batch = [](const std::function<absl::Status()>&) {
    return absl::UnavailableError("the device owner is stopping");
  };
  EXPECT_EQ(model.EncodeTexts(sequences, options).status().code(), absl::StatusCode::kUnavailable);
}

TEST(TextTransformerTest, RejectsMalformedSequences) {
  ClipModel model(testing::MakeTinyWeights(/*seed=*/5));
  EXPECT_EQ(model.EncodeTexts({{49406}}).status().code(), absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(model.EncodeTexts({{49406, 50000, 49407}}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(model.EncodeTexts({std::vector<int32_t>(78, 1)}).status().code(),
            absl::StatusCode::kInvalidArgument);
  EXPECT_EQ(model.EncodeTexts({{49406, 49407, 5}}).status().code(),
            absl::StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace itaclip::clip
