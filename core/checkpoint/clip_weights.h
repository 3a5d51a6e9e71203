// The tensors of a CLIP model, grouped by tower, ready for the forward passes. Linear weights keep
// the PyTorch layout (out x in); `proj` and `text_projection` are used as x * P (not transposed).
#ifndef ITACLIP_CORE_CHECKPOINT_CLIP_WEIGHTS_H_
#define ITACLIP_CORE_CHECKPOINT_CLIP_WEIGHTS_H_

#include <ATen/core/Tensor.h>

#include <vector>

#include "core/checkpoint/clip_config.h"

namespace itaclip::checkpoint {

// One residual attention block: x += MHA(ln_1(x)); x += MLP(ln_2(x)).
struct ResidualBlockWeights {
  at::Tensor ln_1_weight, ln_1_bias;          // [width]
  at::Tensor in_proj_weight, in_proj_bias;    // [3*width, width], [3*width]: rows q, k, v
  at::Tensor out_proj_weight, out_proj_bias;  // [width, width], [width]
  at::Tensor ln_2_weight, ln_2_bias;          // [width]
  at::Tensor fc_weight, fc_bias;              // mlp.c_fc: [4*width, width], [4*width]
  at::Tensor proj_weight, proj_bias;          // mlp.c_proj: [width, 4*width], [width]
};

struct VisionTowerWeights {
  at::Tensor conv1_weight;          // [width, 3, patch, patch], no bias
  at::Tensor class_embedding;       // [width]
  at::Tensor positional_embedding;  // [1 + grid*grid, width]
  at::Tensor ln_pre_weight, ln_pre_bias;
  std::vector<ResidualBlockWeights> blocks;
  at::Tensor ln_post_weight, ln_post_bias;
  at::Tensor proj;  // [width, embed_dim]
};

struct TextTowerWeights {
  at::Tensor token_embedding;       // [vocab, width]
  at::Tensor positional_embedding;  // [context, width]
  std::vector<ResidualBlockWeights> blocks;
  at::Tensor ln_final_weight, ln_final_bias;
  at::Tensor text_projection;  // [width, embed_dim]
};

struct ClipWeights {
  ClipConfig config;
  VisionTowerWeights vision;
  TextTowerWeights text;
};

}  // namespace itaclip::checkpoint

#endif  // ITACLIP_CORE_CHECKPOINT_CLIP_WEIGHTS_H_
