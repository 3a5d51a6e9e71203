// AttentionOfSelfProducts for LibTorch < 2.0 (no at::scaled_dot_product_attention): explicit
// matmuls, the [L, L] map lives only for the duration of one call.
#include <ATen/ATen.h>

#include <cmath>

#include "core/clip/self_attention.h"

namespace itaclip::clip {

at::Tensor AttentionOfSelfProducts(const at::Tensor& x, const at::Tensor& v) {
  // Computed exactly as SelfSelfAttentionMap's softmax (attention.cc): the 1/√d scale is split as
  // d^(-1/4) on each [L, d] operand instead of scaling the [L, L] product, and the softmax runs in
  // the input dtype, so the two modes agree up to the order of the final sums.
  const double scale = 1.0 / std::sqrt(static_cast<double>(x.size(-1)));
  const at::Tensor scaled = x * std::sqrt(scale);
  return at::matmul(at::softmax(at::matmul(scaled, scaled.transpose(-2, -1)), -1), v);
}

bool AttentionOfSelfProductsIsFused() { return false; }

}  // namespace itaclip::clip
