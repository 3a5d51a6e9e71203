#include "core/clip/attention.h"

#include <cmath>

#include <ATen/ATen.h>

namespace itaclip::clip {
namespace {

double InverseSqrtHeadDim(const at::Tensor& q) {
  return 1.0 / std::sqrt(static_cast<double>(q.size(-1)));
}

// softmax(a bᵀ * scale) over the last axis.
at::Tensor SoftmaxOfProducts(const at::Tensor& a, const at::Tensor& b, double scale) {
  return at::softmax(at::matmul(a, b.transpose(-2, -1)) * scale, -1);
}

}  // namespace

at::Tensor ScaledDotProductAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                     const at::Tensor& additive_mask) {
  at::Tensor scores = at::matmul(q, k.transpose(-2, -1)) * InverseSqrtHeadDim(q);
  if (additive_mask.defined()) scores = scores + additive_mask;
  return at::matmul(at::softmax(scores, -1), v);
}

at::Tensor SelfSelfAttentionMap(const at::Tensor& q, const at::Tensor& k) {
  const double scale = InverseSqrtHeadDim(q);
  return SoftmaxOfProducts(q, q, scale) + SoftmaxOfProducts(k, k, scale);
}

}  // namespace itaclip::clip
