#include "core/pipeline/crop_batching.h"

#include <algorithm>

#include "core/pipeline/view_count.h"

namespace itaclip::pipeline {

int64_t ViewActivationBytes(const checkpoint::ClipConfig& config, int64_t crop_h, int64_t crop_w,
                            int64_t element_bytes, clip::SelfSelfAttentionMode mode) {
  const bool weighted = mode == clip::SelfSelfAttentionMode::kWeightedAttentions;
  const int64_t tokens = 1 + (crop_h / config.patch_size) * (crop_w / config.patch_size);
  // Per token: residual, LayerNorm output, q/k/v, attention output, MLP hidden (linear output and
  // activation: 2 x 4 widths), block output: about 16 widths live at once. The weighted mode also
  // keeps q and k of the 3 mid blocks (6 widths); the last block's accumulator and current term
  // fit in the 16, as that block has no MLP.
  const int64_t token_bytes = (weighted ? 22 : 16) * config.vision_width;
  // Per head: scores and softmax of the standard attention (the weighted mode's one transient map
  // per AttentionOfSelfProducts call never coexists with them); the materialised mode adds two
  // self-self softmaxes, their sum and the mid-layer accumulator.
  const int64_t map_bytes = (weighted ? 2 : 6) * config.vision_heads * tokens;
  return tokens * (token_bytes + map_bytes) * element_bytes;
}

int64_t CropsPerBatch(const checkpoint::ClipConfig& config, int64_t crop_h, int64_t crop_w,
                      int64_t element_bytes, int64_t budget_bytes, int64_t max_crops,
                      clip::SelfSelfAttentionMode mode) {
  const int64_t per_crop =
      kNumViews * ViewActivationBytes(config, crop_h, crop_w, element_bytes, mode);
  return std::clamp<int64_t>(budget_bytes / std::max<int64_t>(per_crop, 1), 1,
                             std::max<int64_t>(max_crops, 1));
}

}  // namespace itaclip::pipeline
