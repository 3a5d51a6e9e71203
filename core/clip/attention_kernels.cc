#include "core/clip/attention_kernels.h"

#include <ATen/ATen.h>

namespace itaclip::clip {

at::Tensor DotProductAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               bool causal) {
  // No mask tensor, no dropout; the scale argument (2.1+) is left at its default,
  // 1/sqrt(q.size(-1)), which is the spec's 1/√d. is_causal is the text tower's triangular mask.
  return at::scaled_dot_product_attention(q, k, v, /*attn_mask=*/{}, /*dropout_p=*/0.0,
                                          /*is_causal=*/causal);
}

at::Tensor AttentionOfSelfProducts(const at::Tensor& x, const at::Tensor& v) {
  return DotProductAttention(x, x, v, /*causal=*/false);
}

}  // namespace itaclip::clip
