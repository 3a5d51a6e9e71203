// The attention forms the ITACLIP ViT needs, on per-head tensors [N, heads, L, 64].
#ifndef ITACLIP_CORE_CLIP_ATTENTION_H_
#define ITACLIP_CORE_CLIP_ATTENTION_H_

#include <ATen/core/Tensor.h>

namespace itaclip::clip {

// softmax(q kᵀ / sqrt(d) + mask) v. `additive_mask` is [L, L] or undefined (no mask).
at::Tensor ScaledDotProductAttention(const at::Tensor& q, const at::Tensor& k, const at::Tensor& v,
                                     const at::Tensor& additive_mask);

// ITACLIP's self-self attention map (spec §1.5): softmax(q qᵀ/8) + softmax(k kᵀ/8), summed (each
// row sums to 2), [N, heads, L, L]. The softmax runs over the key axis in the input dtype.
at::Tensor SelfSelfAttentionMap(const at::Tensor& q, const at::Tensor& k);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_ATTENTION_H_
