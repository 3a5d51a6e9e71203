// CLIP's residual attention block, plus the two ITACLIP variants of it used by the vision tower.
#ifndef ITACLIP_CORE_CLIP_RESIDUAL_BLOCK_H_
#define ITACLIP_CORE_CLIP_RESIDUAL_BLOCK_H_

#include <ATen/core/Tensor.h>

#include <cstdint>
#include <vector>

#include "core/checkpoint/clip_weights.h"

namespace itaclip::clip {

// A block's per-head query and key, [N, heads, L, 64]: what the weighted self-self form keeps of a
// mid block instead of its [N, heads, L, L] map.
struct HeadQueryKey {
  at::Tensor q, k;
};

// x + MHA(ln_1(x)), then + MLP(ln_2(x)); x is [N, L, width]. `causal`: the text tower's mask
// (position i attends to 0..i).
// When `self_self_map` is not null it also receives ITACLIP's self-self attention map of this block
// ([N, heads, L, L], spec §1.5), computed from the same ln_1(x) and in-projection as the block's
// own attention; when `query_key` is not null it receives that q and k. Neither changes the
// block's output.
at::Tensor ResidualBlockForward(const at::Tensor& x, const checkpoint::ResidualBlockWeights& block,
                                int64_t heads, bool causal, at::Tensor* self_self_map = nullptr,
                                HeadQueryKey* query_key = nullptr);

// ITACLIP's last vision block (spec §1.3 step 7): A = 0.5 A_self(ln_1(x)) + 0.5 mid_map, then
// x + out_proj(A v). The residual is kept; ln_2 and the MLP are skipped.
at::Tensor ItaclipLastBlockForward(const at::Tensor& x,
                                   const checkpoint::ResidualBlockWeights& block, int64_t heads,
                                   const at::Tensor& mid_map);

// The same block with the fused map left unmaterialised: A v is linear in A, so
//   A v = 0.5 S(q)v + 0.5 S(k)v + (0.5 / M) Σ_i [S(q_i)v + S(k_i)v],
// S(x) = softmax(x xᵀ/√d), over the M = mid.size() mid blocks' queries and keys, each term one
// AttentionOfSelfProducts. Equals ItaclipLastBlockForward with mid_map = mean_i(S(q_i)+S(k_i)).
at::Tensor ItaclipLastBlockForwardWeighted(const at::Tensor& x,
                                           const checkpoint::ResidualBlockWeights& block,
                                           int64_t heads, const std::vector<HeadQueryKey>& mid);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_RESIDUAL_BLOCK_H_
