#include "core/clip/residual_block.h"

#include <ATen/ATen.h>

#include "core/clip/attention.h"
#include "core/clip/transformer_ops.h"

namespace itaclip::clip {
namespace {

struct HeadProjections {
  at::Tensor q, k, v;  // [N, heads, L, 64]
};

HeadProjections ProjectHeads(const at::Tensor& normed,
                             const checkpoint::ResidualBlockWeights& block, int64_t heads) {
  std::vector<at::Tensor> qkv =
      at::linear(normed, block.in_proj_weight, block.in_proj_bias).chunk(3, -1);
  return {SplitHeads(qkv[0], heads), SplitHeads(qkv[1], heads), SplitHeads(qkv[2], heads)};
}

at::Tensor OutProjection(const at::Tensor& per_head,
                         const checkpoint::ResidualBlockWeights& block) {
  return at::linear(MergeHeads(per_head), block.out_proj_weight, block.out_proj_bias);
}

}  // namespace

at::Tensor ResidualBlockForward(const at::Tensor& x, const checkpoint::ResidualBlockWeights& block,
                                int64_t heads, const at::Tensor& additive_mask,
                                at::Tensor* self_self_map) {
  HeadProjections p =
      ProjectHeads(LayerNormFp32(x, block.ln_1_weight, block.ln_1_bias), block, heads);
  if (self_self_map != nullptr) *self_self_map = SelfSelfAttentionMap(p.q, p.k);
  at::Tensor h =
      OutProjection(ScaledDotProductAttention(p.q, p.k, p.v, additive_mask), block).add_(x);
  at::Tensor hidden = QuickGelu(at::linear(LayerNormFp32(h, block.ln_2_weight, block.ln_2_bias),
                                           block.fc_weight, block.fc_bias));
  return at::linear(hidden, block.proj_weight, block.proj_bias).add_(h);
}

at::Tensor ItaclipLastBlockForward(const at::Tensor& x,
                                   const checkpoint::ResidualBlockWeights& block, int64_t heads,
                                   const at::Tensor& mid_map) {
  HeadProjections p =
      ProjectHeads(LayerNormFp32(x, block.ln_1_weight, block.ln_1_bias), block, heads);
  at::Tensor fused = SelfSelfAttentionMap(p.q, p.k).mul_(0.5).add_(mid_map, 0.5);
  return OutProjection(at::matmul(fused, p.v), block).add_(x);
}

}  // namespace itaclip::clip
