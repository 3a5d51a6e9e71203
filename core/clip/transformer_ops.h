// Tensor operations shared by CLIP's two towers: LayerNorm computed in fp32 (as CLIP's LayerNorm
// subclass does for fp16 models), linear layers, QuickGELU, and the head split/merge of
// multi-head attention. All tensors are batch-first: [N, L, width].
#ifndef ITACLIP_CORE_CLIP_TRANSFORMER_OPS_H_
#define ITACLIP_CORE_CLIP_TRANSFORMER_OPS_H_

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace itaclip::clip {

// LayerNorm (eps 1e-5) evaluated in fp32 with fp32 parameters; the result has x's dtype.
at::Tensor LayerNormFp32(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

// x * sigmoid(1.702 x), CLIP's MLP activation.
at::Tensor QuickGelu(const at::Tensor& x);

// [N, L, heads*64] -> [N, heads, L, 64] (a view when possible).
at::Tensor SplitHeads(const at::Tensor& x, int64_t heads);

// [N, heads, L, 64] -> [N, L, heads*64], heads concatenated in order.
at::Tensor MergeHeads(const at::Tensor& x);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_TRANSFORMER_OPS_H_
