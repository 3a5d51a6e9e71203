#include "core/clip/transformer_ops.h"

#include <ATen/ATen.h>

namespace itaclip::clip {

at::Tensor LayerNormFp32(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias) {
  constexpr double kEps = 1e-5;
  if (x.scalar_type() == at::kFloat) {
    return at::layer_norm(x, {x.size(-1)}, weight, bias, kEps);
  }
  return at::layer_norm(x.to(at::kFloat), {x.size(-1)}, weight, bias, kEps).to(x.scalar_type());
}

at::Tensor QuickGelu(const at::Tensor& x) { return (x * 1.702).sigmoid_().mul_(x); }

at::Tensor SplitHeads(const at::Tensor& x, int64_t heads) {
  const int64_t n = x.size(0), length = x.size(1);
  return x.view({n, length, heads, x.size(2) / heads}).permute({0, 2, 1, 3});
}

at::Tensor MergeHeads(const at::Tensor& x) {
  const int64_t n = x.size(0), heads = x.size(1), length = x.size(2);
  return x.permute({0, 2, 1, 3}).reshape({n, length, heads * x.size(3)});
}

}  // namespace itaclip::clip
