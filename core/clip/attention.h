// ITACLIP's materialised self-self attention map, on per-head tensors [N, heads, L, 64]. The
// standard attention and the weighted form's primitive are in attention_kernels.h.
#ifndef ITACLIP_CORE_CLIP_ATTENTION_H_
#define ITACLIP_CORE_CLIP_ATTENTION_H_

#include <ATen/core/Tensor.h>

namespace itaclip::clip {

// softmax(x xᵀ/√d) over the last axis, [N, heads, L, L], in x's dtype.
at::Tensor SelfProductSoftmax(const at::Tensor& x);

// ITACLIP's self-self attention map (spec §1.5): softmax(q qᵀ/8) + softmax(k kᵀ/8), summed (each
// row sums to 2), [N, heads, L, L]. The softmax runs over the key axis in the input dtype.
at::Tensor SelfSelfAttentionMap(const at::Tensor& q, const at::Tensor& k);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_ATTENTION_H_
