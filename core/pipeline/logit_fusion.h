// Turns the ViT features of a crop's five views into that crop's query logits (spec §5.2 steps
// 5-8).
#ifndef ITACLIP_CORE_PIPELINE_LOGIT_FUSION_H_
#define ITACLIP_CORE_PIPELINE_LOGIT_FUSION_H_

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace itaclip::pipeline {

// view_features: [5k, 1 + rows·cols, E] for k crops, view-major (all originals, grays, blurs,
// row-flips, column-flips: the order of MakeFiveViews). text: [Q, E] query embeddings.
// Returns [k, Q, crop_h, crop_w] in the features' dtype (the reference's per-crop logits are fp16
// on CUDA, spec §1.2; float32 on the CPU):
//   P = α·up(F̄·Tᵀ) + (1−α)/2·(unflip_rows(up(F_v·Tᵀ)) + unflip_cols(up(F_h·Tᵀ)))
// with F̄ the mean of the first three views' per-token L2-normalised features (CLS dropped), and up
// a bilinear upsampling (align_corners=False) of the patch grid to the crop size.
//
// Computed as up(α·F̄·Tᵀ + (1−α)/2·(flip(F_v) + flip(F_h))·Tᵀ): one product and one upsampling per
// crop instead of three. This is exact, not an approximation: the products are linear, and
// bilinear resizing with half-pixel centres maps source index s to (n−1)−s under a flip of the
// output, so flipping commutes with it (tests check it against the literal order).
at::Tensor FuseCropLogits(const at::Tensor& view_features, int64_t rows, int64_t cols,
                          const at::Tensor& text, double alpha, int64_t crop_h, int64_t crop_w);

}  // namespace itaclip::pipeline

#endif  // ITACLIP_CORE_PIPELINE_LOGIT_FUSION_H_
