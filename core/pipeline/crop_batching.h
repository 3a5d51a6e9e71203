// How many crops (each run as 5 ViT views) fit into one ViT batch under a memory budget.
#ifndef ITACLIP_CORE_PIPELINE_CROP_BATCHING_H_
#define ITACLIP_CORE_PIPELINE_CROP_BATCHING_H_

#include <cstdint>

#include "core/checkpoint/clip_config.h"
#include "core/clip/self_self_attention_mode.h"

namespace itaclip::pipeline {

// Estimated peak activation bytes of one ViT view of a crop_h x crop_w crop, in elements of
// `element_bytes`: the residual stream, q/k/v, the MLP hidden layer and the [L, L] maps, which
// depend on `mode`. kMaterialized: the standard attention's scores and softmax, two self-self
// softmaxes, their sum and the running mid-layer sum (6 per head). kWeightedAttentions: only the
// standard attention's scores and softmax, or the one transient map of an AttentionOfSelfProducts
// call (2 per head; an upper bound, as a fused kernel keeps none), plus the q and k kept from
// blocks 6, 7 and 9 (6 widths per token). The default is the larger, materialised estimate.
int64_t ViewActivationBytes(
    const checkpoint::ClipConfig& config, int64_t crop_h, int64_t crop_w, int64_t element_bytes,
    clip::SelfSelfAttentionMode mode = clip::SelfSelfAttentionMode::kMaterialized);

// At least 1, at most `max_crops`: the number of crops whose 5 views fit in `budget_bytes`.
int64_t CropsPerBatch(
    const checkpoint::ClipConfig& config, int64_t crop_h, int64_t crop_w, int64_t element_bytes,
    int64_t budget_bytes, int64_t max_crops,
    clip::SelfSelfAttentionMode mode = clip::SelfSelfAttentionMode::kMaterialized);

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_CROP_BATCHING_H_
