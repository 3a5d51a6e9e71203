// AttentionOfSelfProducts for LibTorch >= 2.0: at::scaled_dot_product_attention, which picks a
// fused (flash / memory-efficient) kernel on CUDA and so never materialises the [L, L] map.
#include <ATen/ATen.h>

#include "core/clip/self_attention.h"

namespace itaclip::clip {

at::Tensor AttentionOfSelfProducts(const at::Tensor& x, const at::Tensor& v) {
  // (query, key, value) with no mask, no dropout, not causal; the scale argument (2.1+) is left at
  // its default, 1/sqrt(x.size(-1)), which is the spec's 1/√d. The result has the query's dtype,
  // so fp16 inputs on CUDA give fp16.
  return at::scaled_dot_product_attention(x, x, v);
}

bool AttentionOfSelfProductsIsFused() { return true; }

}  // namespace itaclip::clip
