#include "core/clip/positional_embedding.h"

#include <ATen/ATen.h>

#include <cmath>

namespace itaclip::clip {

at::Tensor InterpolatePositionalEmbedding(const at::Tensor& positional, int64_t rows,
                                          int64_t cols) {
  const at::Tensor pos = positional.to(at::kFloat);
  const int64_t grid = static_cast<int64_t>(std::lround(std::sqrt(pos.size(0) - 1)));
  if (rows == grid && cols == grid) return pos;
  const int64_t width = pos.size(1);
  // Spec §2 (positional embedding): scale factors (n + 0.1) / grid, not sizes; the 0.1 keeps
  // floor(grid * scale) from rounding down to n - 1, and it sets the sampling step.
  constexpr double kScaleOffset = 0.1;
  const double scale_rows = (static_cast<double>(rows) + kScaleOffset) / static_cast<double>(grid);
  const double scale_cols = (static_cast<double>(cols) + kScaleOffset) / static_cast<double>(grid);
  // PyTorch's interpolate derives the output size as floor(input * scale) in double precision.
  const int64_t out_rows = static_cast<int64_t>(std::floor(grid * scale_rows));
  const int64_t out_cols = static_cast<int64_t>(std::floor(grid * scale_cols));
  at::Tensor patch_grid = pos.slice(0, 1).reshape({1, grid, grid, width}).permute({0, 3, 1, 2});
  at::Tensor resized = at::upsample_bicubic2d(patch_grid, {out_rows, out_cols},
                                              /*align_corners=*/false, scale_rows, scale_cols);
  at::Tensor flat = resized.permute({0, 2, 3, 1}).reshape({out_rows * out_cols, width});
  return at::cat({pos.slice(0, 0, 1), flat}, 0);
}

}  // namespace itaclip::clip
