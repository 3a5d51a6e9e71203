#include "core/clip/attention.h"

#include <ATen/ATen.h>

#include <cmath>

namespace itaclip::clip {
namespace {

double InverseSqrtHeadDim(const at::Tensor& q) {
  return 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
}

// softmax(a aᵀ · scale) over the last axis; the scale is applied to the [L, 64] operand rather
// than the [L, L] product.
at::Tensor SoftmaxOfSelfProducts(const at::Tensor& a, double scale) {
  const at::Tensor scaled = a * std::sqrt(scale);
  return at::softmax(at::matmul(scaled, scaled.transpose(-2, -1)), -1);
}

}  // namespace

at::Tensor ScaledDotProductAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                     const at::Tensor& additive_mask) {
  at::Tensor scores = at::matmul(q * InverseSqrtHeadDim(q), k.transpose(-2, -1));
  if (additive_mask.defined()) scores.add_(additive_mask);
  return at::matmul(at::softmax(scores, -1), v);
}

at::Tensor SelfSelfAttentionMap(const at::Tensor& q, const at::Tensor& k) {
  const double scale = InverseSqrtHeadDim(q);
  return SoftmaxOfSelfProducts(q, scale).add_(SoftmaxOfSelfProducts(k, scale));
}

}  // namespace itaclip::clip
