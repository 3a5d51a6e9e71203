// The attention primitive of the weighted self-self form (spec §1.5): softmax(x xᵀ/√d)·v, the
// same tensor as query and key. Two builds: a fused kernel (self_attention_sdpa.cc, LibTorch >= 2)
// and explicit matmuls (self_attention_matmul.cc, LibTorch 1.13); core/CMakeLists.txt picks one.
#ifndef ITACLIP_CORE_CLIP_SELF_ATTENTION_H_
#define ITACLIP_CORE_CLIP_SELF_ATTENTION_H_

#include <ATen/core/Tensor.h>

namespace itaclip::clip {

// x, v: [N, heads, L, d] in one dtype; returns softmax(x xᵀ/√d)·v, [N, heads, L, d], in that
// dtype (fp16 stays fp16 on CUDA).
at::Tensor AttentionOfSelfProducts(const at::Tensor& x, const at::Tensor& v);

// True when AttentionOfSelfProducts is at::scaled_dot_product_attention, whose fused kernels do
// not materialise the [L, L] map.
bool AttentionOfSelfProductsIsFused();

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_SELF_ATTENTION_H_
