#include "core/clip/residual_block.h"

#include <ATen/ATen.h>

#include "core/clip/attention.h"
#include "core/clip/attention_kernels.h"
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
                                int64_t heads, bool causal, at::Tensor* self_self_map,
                                HeadQueryKey* query_key) {
  HeadProjections p =
      ProjectHeads(LayerNormFp32(x, block.ln_1_weight, block.ln_1_bias), block, heads);
  if (self_self_map != nullptr) *self_self_map = SelfSelfAttentionMap(p.q, p.k);
  if (query_key != nullptr) *query_key = {p.q, p.k};
  at::Tensor h = OutProjection(DotProductAttention(p.q, p.k, p.v, causal), block).add_(x);
  return QuickGeluMlp(LayerNormFp32(h, block.ln_2_weight, block.ln_2_bias), block.fc_weight,
                      block.fc_bias, block.proj_weight, block.proj_bias)
      .add_(h);
}

at::Tensor ItaclipLastBlockForward(const at::Tensor& x,
                                   const checkpoint::ResidualBlockWeights& block, int64_t heads,
                                   const at::Tensor& mid_map) {
  HeadProjections p =
      ProjectHeads(LayerNormFp32(x, block.ln_1_weight, block.ln_1_bias), block, heads);
  at::Tensor fused = SelfSelfAttentionMap(p.q, p.k).mul_(0.5).add_(mid_map, 0.5);
  return OutProjection(at::matmul(fused, p.v), block).add_(x);
}

at::Tensor ItaclipLastBlockForwardWeighted(const at::Tensor& x,
                                           const checkpoint::ResidualBlockWeights& block,
                                           int64_t heads, const std::vector<HeadQueryKey>& mid) {
  HeadProjections p =
      ProjectHeads(LayerNormFp32(x, block.ln_1_weight, block.ln_1_bias), block, heads);
  // The 2 + 2M terms are accumulated in fp32 whatever the compute dtype: the accumulator is only
  // [N, heads, L, 64] (no [L, L] map), so its cost is negligible, and it avoids rounding the
  // running sum to fp16 after each of the 2M + 1 additions on CUDA. Each term itself stays in the
  // compute dtype (the fused kernel's fp16 path); the sum is cast back once, before out_proj.
  auto term = [&](const at::Tensor& self) {
    return AttentionOfSelfProducts(self, p.v).to(at::kFloat);
  };
  at::Tensor sum = term(p.q).add_(term(p.k)).mul_(0.5);
  const double mid_weight = 0.5 / static_cast<double>(mid.size());
  for (const HeadQueryKey& m : mid) {
    sum.add_(term(m.q), mid_weight).add_(term(m.k), mid_weight);
  }
  return OutProjection(sum.to(p.v.scalar_type()), block).add_(x);
}

}  // namespace itaclip::clip
