#include "core/clip/attention.h"

#include <ATen/ATen.h>

#include <cmath>

namespace itaclip::clip {

at::Tensor SelfProductSoftmax(const at::Tensor& x) {
  // The 1/√d scale is split as d^(-1/4) on each [L, d] operand rather than applied to the [L, L]
  // product.
  const double scale = 1.0 / std::sqrt(static_cast<double>(x.size(-1)));
  const at::Tensor scaled = x * std::sqrt(scale);
  return at::softmax(at::matmul(scaled, scaled.transpose(-2, -1)), -1);
}

at::Tensor SelfSelfAttentionMap(const at::Tensor& q, const at::Tensor& k) {
  return SelfProductSoftmax(q).add_(SelfProductSoftmax(k));
}

}  // namespace itaclip::clip
