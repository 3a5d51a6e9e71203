// Tensor operations shared by CLIP's two towers: LayerNorm computed in fp32 (as CLIP's LayerNorm
// subclass does for fp16 models), linear layers, QuickGELU, and the head split/merge of
// multi-head attention. All tensors are batch-first: [N, L, width].
#ifndef ITACLIP_CORE_CLIP_TRANSFORMER_OPS_H_
#define ITACLIP_CORE_CLIP_TRANSFORMER_OPS_H_

#include <ATen/core/Tensor.h>

#include <cstdint>

namespace itaclip::clip {

// LayerNorm (eps 1e-5) evaluated in fp32; the result has x's dtype. On the CPU (or for float32
// input) x is converted to fp32 and the fp32 parameters are used; on CUDA, CUDA's kernel takes the
// fp16 input and the parameters converted to fp16, and accumulates and applies them in fp32.
at::Tensor LayerNormFp32(const at::Tensor& x, const at::Tensor& weight, const at::Tensor& bias);

// CLIP's MLP: c_proj(QuickGELU(c_fc(x))), QuickGELU(h) = h·sigmoid(1.702 h); x is [..., width].
// Computed as c_proj(silu(1.702·c_fc(x)) / 1.702), the two factors riding in the GEMMs (alpha, and
// the bias pre-scaled), so the activation is one silu kernel instead of three elementwise passes
// over the widest tensor of the block. Equal up to rounding (the weights are not changed).
at::Tensor QuickGeluMlp(const at::Tensor& x, const at::Tensor& fc_weight, const at::Tensor& fc_bias,
                        const at::Tensor& proj_weight, const at::Tensor& proj_bias);

// [N, L, heads*64] -> [N, heads, L, 64] (a view when possible).
at::Tensor SplitHeads(const at::Tensor& x, int64_t heads);

// [N, heads, L, 64] -> [N, L, heads*64], heads concatenated in order.
at::Tensor MergeHeads(const at::Tensor& x);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_TRANSFORMER_OPS_H_
