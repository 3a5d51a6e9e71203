// CLIP's text tower (spec §1.6), run only up to each prompt's end-of-text token.
#ifndef ITACLIP_CORE_CLIP_TEXT_TRANSFORMER_H_
#define ITACLIP_CORE_CLIP_TEXT_TRANSFORMER_H_

#include <ATen/core/Tensor.h>

#include "core/checkpoint/clip_weights.h"

namespace itaclip::clip {

// tokens: [B, T] int64 on the weights' device, each row SOT ... EOT followed by any padding, with
// T <= context length. eot_positions: [B] int64, the column of each row's EOT (the largest id).
// Returns [B, embed_dim] in the weights' dtype. Because of the causal mask, the output at EOT does
// not depend on later columns, so T only needs to reach the longest row's EOT (the exact shortcut
// of spec §1.6).
at::Tensor TextForward(const checkpoint::ClipWeights& weights, const at::Tensor& tokens,
                       const at::Tensor& eot_positions);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_TEXT_TRANSFORMER_H_
