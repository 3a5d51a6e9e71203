#include "core/pipeline/logit_fusion.h"

#include <ATen/ATen.h>

#include "core/pipeline/view_count.h"

namespace itaclip::pipeline {

at::Tensor FuseCropLogits(const at::Tensor& view_features, int64_t rows, int64_t cols,
                          const at::Tensor& text, double alpha, int64_t crop_h, int64_t crop_w) {
  const int64_t k = view_features.size(0) / kNumViews;
  const int64_t dim = view_features.size(2);
  // In the features' dtype, as the reference (fp16 on CUDA, §1.2: the per-crop logits are fp16).
  const at::Tensor features = view_features / view_features.norm(2, -1, /*keepdim=*/true);
  // [5, k, rows, cols, E] without the CLS token.
  at::Tensor grid = features.slice(1, 1).reshape({kNumViews, k, rows, cols, dim});
  at::Tensor plain = (grid[0] + grid[1] + grid[2]) / 3.0;
  at::Tensor flipped = grid[3].flip({1}) + grid[4].flip({2});
  at::Tensor fused = plain.mul_(alpha).add_(flipped, (1.0 - alpha) / 2.0);
  at::Tensor logits = at::matmul(fused, text.to(features.scalar_type()).t()).permute({0, 3, 1, 2});
  return at::upsample_bilinear2d(logits.contiguous(), {crop_h, crop_w}, /*align_corners=*/false);
}

}  // namespace itaclip::pipeline
