// CLIP's residual attention block, plus the two ITACLIP variants of it used by the vision tower.
#ifndef ITACLIP_CORE_CLIP_RESIDUAL_BLOCK_H_
#define ITACLIP_CORE_CLIP_RESIDUAL_BLOCK_H_

#include <ATen/core/Tensor.h>

#include <cstdint>

#include "core/checkpoint/clip_weights.h"

namespace itaclip::clip {

// x + MHA(ln_1(x)), then + MLP(ln_2(x)); x is [N, L, width]. `additive_mask` may be undefined.
// When `self_self_map` is not null it also receives ITACLIP's self-self attention map of this block
// ([N, heads, L, L], spec §1.5), computed from the same ln_1(x) and in-projection as the block's
// own attention; it does not change the block's output.
at::Tensor ResidualBlockForward(const at::Tensor& x, const checkpoint::ResidualBlockWeights& block,
                                int64_t heads, const at::Tensor& additive_mask,
                                at::Tensor* self_self_map = nullptr);

// ITACLIP's last vision block (spec §1.3 step 7): A = 0.5 A_self(ln_1(x)) + 0.5 mid_map, then
// x + out_proj(A v). The residual is kept; ln_2 and the MLP are skipped.
at::Tensor ItaclipLastBlockForward(const at::Tensor& x,
                                   const checkpoint::ResidualBlockWeights& block, int64_t heads,
                                   const at::Tensor& mid_map);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_RESIDUAL_BLOCK_H_
