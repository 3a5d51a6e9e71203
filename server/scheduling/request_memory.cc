#include "server/scheduling/request_memory.h"

#include <algorithm>
#include <opencv2/core/types.hpp>

#include "absl/strings/str_format.h"
#include "core/pipeline/crop_batching.h"
#include "core/pipeline/resize.h"
#include "core/pipeline/sliding_window.h"
#include "core/pipeline/view_count.h"

namespace itaclip::server {
namespace {

constexpr int64_t kFloatBytes = 4;
constexpr int64_t kTokenIdBytes = 4;  // int32, as the tokenizer gives them

// The keep-ratio size in 64-bit arithmetic: RescaledSize takes an int cv::Size, which a header
// cannot overflow (max_decoded_pixels has already bounded width·height).
cv::Size Rescaled(const RequestShape& shape, const pipeline::PipelineParams& params) {
  return pipeline::RescaledSize(
      cv::Size(static_cast<int>(shape.width), static_cast<int>(shape.height)), params.short_side,
      params.long_side_limit);
}

}  // namespace

RequestCost EstimateRequestCost(const RequestShape& shape, const pipeline::PipelineParams& params,
                                const checkpoint::ClipConfig& model) {
  RequestCost cost;
  const cv::Size resized = Rescaled(shape, params);
  cost.resized_width = resized.width;
  cost.resized_height = resized.height;
  const int64_t h = resized.height, w = resized.width;
  cost.crops = pipeline::CountSlidingWindows(h, w, params.crop_size, params.stride);
  const int64_t crop_h = std::min<int64_t>(params.crop_size, h);
  const int64_t crop_w = std::min<int64_t>(params.crop_size, w);
  const int64_t original = shape.width * shape.height;
  const int64_t resized_pixels = h * w;
  const int64_t q = shape.num_queries, c = shape.num_classes;

  int64_t bytes = 3 * original + 3 * resized_pixels + 3 * resized_pixels * kFloatBytes;
  bytes += (q + 1) * resized_pixels * kFloatBytes;
  bytes += pipeline::kNumViews * pipeline::ViewActivationBytes(model, crop_h, crop_w, kFloatBytes);
  bytes += q * crop_h * crop_w * kFloatBytes;
  // The upsampled logits and PAMR's two copies; the softmax; the class probabilities; the scores.
  int64_t planes = 3 * q + q + c + (shape.want_scores ? c : 0);
  if (params.pamr_steps > 0) {
    planes += 3 + 3 * 8 * static_cast<int64_t>(params.pamr_dilations.size());
  }
  bytes += planes * original * kFloatBytes + original * 8;
  cost.peak_bytes = bytes + shape.vocabulary_build_bytes;
  return cost;
}

int64_t EstimateTextBuildBytes(const TextBuildShape& shape, const checkpoint::ClipConfig& model) {
  const int64_t prompts = shape.num_strings * shape.num_templates;
  const int64_t context = model.context_length;
  int64_t bytes = prompts * (2 * model.embed_dim * kFloatBytes + context * kTokenIdBytes);
  const int64_t batch = std::min(prompts, shape.text_batch);
  const int64_t token_bytes = 16 * model.text_width + 2 * model.text_heads * context;
  bytes += batch * context * token_bytes * kFloatBytes;
  return bytes;
}

absl::Status CheckRequestCost(const RequestCost& cost, const Limits& limits) {
  if (cost.crops > limits.max_crops_per_request) {
    return absl::InvalidArgumentError(absl::StrFormat(
        "the image resized to %dx%d with crop_size and stride as requested makes %d crops; the "
        "limit (max_crops_per_request) is %d: use a larger stride or a smaller short_side",
        cost.resized_width, cost.resized_height, cost.crops, limits.max_crops_per_request));
  }
  if (cost.peak_bytes > limits.max_request_memory_bytes) {
    return absl::ResourceExhaustedError(absl::StrFormat(
        "the request needs an estimated %.1f GiB of memory (image size x classes, PAMR, the "
        "crop's attention, building the vocabulary's embeddings); the limit "
        "(max_request_memory_bytes) is %.1f GiB",
        cost.peak_bytes / double{1 << 30}, limits.max_request_memory_bytes / double{1 << 30}));
  }
  return absl::OkStatus();
}

}  // namespace itaclip::server
