// The attention kernels of both towers, on per-head tensors [N, heads, L, d]:
// at::scaled_dot_product_attention, whose fused flash / memory-efficient kernels on CUDA never
// materialise the [L, L] scores.
#ifndef ITACLIP_CORE_CLIP_ATTENTION_KERNELS_H_
#define ITACLIP_CORE_CLIP_ATTENTION_KERNELS_H_

#include <ATen/core/Tensor.h>

namespace itaclip::clip {

// softmax(q kᵀ/√d + M) v, with M the causal mask (-inf above the diagonal: query i sees keys
// 0..i, the text tower's mask) when `causal`, else no mask. Result in q's dtype.
at::Tensor DotProductAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                               bool causal);

// The attention primitive of the weighted self-self form (spec §1.5): softmax(x xᵀ/√d)·v, the
// same tensor as query and key. Result in x's dtype (fp16 stays fp16 on CUDA).
at::Tensor AttentionOfSelfProducts(const at::Tensor& x, const at::Tensor& v);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_ATTENTION_KERNELS_H_
