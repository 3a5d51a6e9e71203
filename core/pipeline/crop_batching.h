// How many crops (each run as 5 ViT views) fit into one ViT batch under a memory budget.
#ifndef ITACLIP_CORE_PIPELINE_CROP_BATCHING_H_
#define ITACLIP_CORE_PIPELINE_CROP_BATCHING_H_

#include <cstdint>

#include "core/checkpoint/clip_config.h"

namespace itaclip::pipeline {

// Estimated peak activation bytes of one ViT view of a crop_h x crop_w crop: the residual stream,
// q/k/v, the MLP hidden layer and the attention maps (standard, two self-self softmaxes and the
// running mid-layer sum), in elements of `element_bytes`.
int64_t ViewActivationBytes(const checkpoint::ClipConfig& config, int64_t crop_h, int64_t crop_w,
                            int64_t element_bytes);

// At least 1, at most `max_crops`: the number of crops whose 5 views fit in `budget_bytes`.
int64_t CropsPerBatch(const checkpoint::ClipConfig& config, int64_t crop_h, int64_t crop_w,
                      int64_t element_bytes, int64_t budget_bytes, int64_t max_crops);

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_CROP_BATCHING_H_
