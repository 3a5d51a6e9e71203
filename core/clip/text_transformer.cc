#include "core/clip/text_transformer.h"

#include <ATen/ATen.h>

#include "core/clip/residual_block.h"
#include "core/clip/transformer_ops.h"

namespace itaclip::clip {

at::Tensor TextForward(const checkpoint::ClipWeights& weights, const at::Tensor& tokens,
                       const at::Tensor& eot_positions) {
  const checkpoint::TextTowerWeights& text = weights.text;
  const c10::ScalarType dtype = text.text_projection.scalar_type();
  const int64_t length = tokens.size(1);
  at::Tensor x =
      (at::embedding(text.token_embedding, tokens) + text.positional_embedding.slice(0, 0, length))
          .to(dtype);
  for (const checkpoint::ResidualBlockWeights& block : text.blocks) {
    x = ResidualBlockForward(x, block, weights.config.text_heads, /*causal=*/true);
  }
  x = LayerNormFp32(x, text.ln_final_weight, text.ln_final_bias);
  const int64_t batch = x.size(0);
  const at::Tensor flat_rows = at::arange(batch, tokens.options()) * length + eot_positions;
  const at::Tensor at_eot = x.reshape({batch * length, x.size(2)}).index_select(0, flat_rows);
  return at::matmul(at_eot, text.text_projection);
}

}  // namespace itaclip::clip
