// EstimateRequestCost and CheckRequestCost: a case worked by hand from the formula in
// request_memory.h, the crop count against the windows the pipeline makes, the request that
// exhausted an 8 GB machine (issue 13) refused, and a VOC image admitted.
#include "server/scheduling/request_memory.h"

#include <cstdint>

#include "core/pipeline/sliding_window.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace itaclip::server {
namespace {

using ::testing::HasSubstr;

checkpoint::ClipConfig TinyModel() {
  checkpoint::ClipConfig config;
  config.vision_width = 64;
  config.vision_heads = 1;
  config.patch_size = 16;
  return config;
}

checkpoint::ClipConfig VitB16() {
  checkpoint::ClipConfig config;
  config.vision_width = 768;
  config.vision_heads = 12;
  config.patch_size = 16;
  config.embed_dim = 512;
  config.text_width = 512;
  config.text_heads = 8;
  config.context_length = 77;
  return config;
}

TEST(EstimateRequestCostTest, ACaseWorkedByHand) {
  // A 64x48 image, short side 48 (scale 1), crop 64 and stride 32: one crop of 48x64 (the crop is
  // cut to the image), 13 tokens (1 + 3·4 patches). 3 queries, 2 classes, PAMR with 2 dilations.
  pipeline::PipelineParams params;
  params.short_side = 48;
  params.long_side_limit = 2048;
  params.crop_size = 64;
  params.stride = 32;
  params.pamr_steps = 10;
  params.pamr_dilations = {1, 2};
  RequestShape shape;
  shape.width = 64;
  shape.height = 48;
  shape.num_queries = 3;
  shape.num_classes = 2;
  const int64_t pixels = 64 * 48;  // 3072, original and resized alike
  // prepare: 3·3072 (BGR) + 3·3072 (resized) + 3·3072·4 (normalised) = 55296
  // accumulator: (3 + 1)·3072·4 = 49152
  // one crop: 5 views x 13 tokens x (16·64 + 6·1·13) x 4 = 5 x 57304 = 286520;
  //           its logits 3·48·64·4 = 36864
  // finish: (3·3 + 3 + 2) planes + PAMR (3 + 3·8·2 = 51) = 65 planes x 3072 x 4 = 798720;
  //         labels 3072·8 = 24576
  const int64_t expected = 55296 + 49152 + 286520 + 36864 + 798720 + 24576;
  ASSERT_EQ(expected, 1251128);
  RequestCost cost = EstimateRequestCost(shape, params, TinyModel());
  EXPECT_EQ(cost.resized_width, 64);
  EXPECT_EQ(cost.resized_height, 48);
  EXPECT_EQ(cost.crops, 1);
  EXPECT_EQ(cost.peak_bytes, expected);
  // The scores sent back add one [C, H, W] float plane per class.
  shape.want_scores = true;
  EXPECT_EQ(EstimateRequestCost(shape, params, TinyModel()).peak_bytes, expected + 2 * pixels * 4);
  // Without PAMR its 51 planes go.
  shape.want_scores = false;
  params.pamr_steps = 0;
  EXPECT_EQ(EstimateRequestCost(shape, params, TinyModel()).peak_bytes, expected - 51 * pixels * 4);
  // A request that may build its vocabulary's embeddings adds the build's estimate.
  params.pamr_steps = 10;
  shape.vocabulary_build_bytes = 1000;
  EXPECT_EQ(EstimateRequestCost(shape, params, TinyModel()).peak_bytes, expected + 1000);
}

TEST(EstimateTextBuildBytesTest, ACaseWorkedByHand) {
  // ViT-B/16's text tower (embed 512, width 512, 8 heads, context 77); 3 names and 1 description,
  // 80 templates: 320 prompts, in batches of 256.
  TextBuildShape shape;
  shape.num_strings = 4;
  shape.num_templates = 80;
  shape.text_batch = 256;
  // outputs and their normalised copy: 320 x 2 x 512 x 4 = 1310720; token ids: 320 x 77 x 4 =
  // 98560; one batch: 256 x 77 x (16·512 + 2·8·77 = 9424) x 4 = 743063552.
  const int64_t expected = 1310720 + 98560 + 743063552;
  ASSERT_EQ(expected, 744472832);
  EXPECT_EQ(EstimateTextBuildBytes(shape, VitB16()), expected);
  // Fewer prompts than a batch: the batch is the prompts. 1 string: 80 prompts,
  // 80 x 4096 + 80 x 308 + 80 x 77 x 9424 x 4 = 327680 + 24640 + 232207360.
  shape.num_strings = 1;
  EXPECT_EQ(EstimateTextBuildBytes(shape, VitB16()), 327680 + 24640 + 232207360);
}

TEST(EstimateTextBuildBytesTest, A1000ClassVocabularyWithDescriptionsComesToAboutAGigabyte) {
  // The build that issue 13 measured latency against: 1,000 names and 1,000 descriptions.
  TextBuildShape shape;
  shape.num_strings = 2000;
  shape.num_templates = 80;
  shape.text_batch = 256;
  const int64_t bytes = EstimateTextBuildBytes(shape, VitB16());
  // 160000 prompts x (4096 + 308) = 704640000, plus the batch's 743063552.
  EXPECT_EQ(bytes, int64_t{704640000} + 743063552);
  EXPECT_TRUE(CheckRequestCost(RequestCost{0, 0, 0, bytes}, Limits()).ok());
}

TEST(EstimateRequestCostTest, CountsTheCropsThePipelineMakes) {
  pipeline::PipelineParams params;  // VOC21's: short side 336, crop 224, stride 28
  RequestShape shape{500, 375, 60, 21, false};
  const RequestCost cost = EstimateRequestCost(shape, params, VitB16());
  // 500x375 -> 448x336 (factor 336/375 = 0.896): 9 x 5 windows.
  EXPECT_EQ(cost.resized_width, 448);
  EXPECT_EQ(cost.resized_height, 336);
  EXPECT_EQ(cost.crops, static_cast<int64_t>(pipeline::SlidingWindows(336, 448, 224, 28).size()));
  EXPECT_EQ(cost.crops, 45);
}

TEST(CheckRequestCostTest, AdmitsAVocImageAndRefusesTheRequestThatExhaustedAMachine) {
  const Limits limits;  // the defaults
  pipeline::PipelineParams voc;
  const RequestCost typical = EstimateRequestCost({500, 375, 64, 21, true}, voc, VitB16());
  EXPECT_TRUE(CheckRequestCost(typical, limits).ok()) << typical.peak_bytes;
  EXPECT_LT(typical.peak_bytes, int64_t{1} << 30);

  // Issue 13: a 6000x6000 PNG, 3 classes, crop_size 4096, 2000 PAMR dilations ran for a minute
  // and died in the allocator under an 8 GB limit. (The list is now refused by max_list_values
  // first; the estimate alone refuses it too.)
  pipeline::PipelineParams hostile = voc;
  hostile.crop_size = 4096;
  hostile.pamr_dilations.assign(2000, 8);
  const RequestCost cost = EstimateRequestCost({6000, 6000, 3, 3, false}, hostile, VitB16());
  const absl::Status status = CheckRequestCost(cost, limits);
  EXPECT_EQ(status.code(), absl::StatusCode::kResourceExhausted);
  EXPECT_THAT(status.message(), HasSubstr("max_request_memory_bytes"));
}

TEST(CheckRequestCostTest, RefusesMoreCropsThanTheLimitAsInvalidArgument) {
  pipeline::PipelineParams params;
  params.stride = 1;  // about 31 000 crops on a VOC image
  const RequestCost cost = EstimateRequestCost({500, 375, 3, 3, false}, params, VitB16());
  EXPECT_EQ(cost.crops, int64_t{(448 - 224 + 1)} * (336 - 224 + 1));
  const absl::Status status = CheckRequestCost(cost, Limits());
  EXPECT_EQ(status.code(), absl::StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("max_crops_per_request"));
}

}  // namespace
}  // namespace itaclip::server
