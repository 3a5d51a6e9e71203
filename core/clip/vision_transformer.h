// The ITACLIP vision tower (spec §1.3): CLIP's ViT with self-self attention maps taken at 0-based
// blocks 6, 7 and 9, a last block that uses the fused map, keeps the residual and skips the MLP,
// and ln_post + proj applied to every token.
#ifndef ITACLIP_CORE_CLIP_VISION_TRANSFORMER_H_
#define ITACLIP_CORE_CLIP_VISION_TRANSFORMER_H_

#include <ATen/core/Tensor.h>

#include <optional>

#include "core/checkpoint/clip_weights.h"
#include "core/clip/self_self_attention_mode.h"

namespace itaclip::clip {

// The 0-based blocks whose self-self maps are averaged into A_mid (1-based layers 7, 8 and 10).
inline constexpr int kItaclipMidBlocks[] = {6, 7, 9};

// images: [N, 3, h, w], normalised RGB, already in the weights' dtype and device. Pixels past
// 16·⌊h/16⌋ (resp. w) are dropped by the stride-16 patch embedding. Returns [N, 1 + gh·gw,
// embed_dim] in the weights' dtype; token 0 is CLS. Requires at least 11 blocks (maps at blocks
// 6, 7 and 9, then a last block); ClipModel::Load checks it. `mode` chooses how the fused
// self-self attention is evaluated (both compute the same function); unset: the images' device's
// DefaultSelfSelfAttentionMode.
at::Tensor ItaclipVisionForward(const checkpoint::ClipWeights& weights, const at::Tensor& images,
                                std::optional<SelfSelfAttentionMode> mode = std::nullopt);

}  // namespace itaclip::clip

#endif  // ITACLIP_CORE_CLIP_VISION_TRANSFORMER_H_
