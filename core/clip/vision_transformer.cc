#include "core/clip/vision_transformer.h"

#include <ATen/ATen.h>

#include <algorithm>
#include <iterator>
#include <utility>
#include <vector>

#include "core/clip/positional_embedding.h"
#include "core/clip/residual_block.h"
#include "core/clip/transformer_ops.h"

namespace itaclip::clip {
namespace {

// Patch embedding, CLS token and positional embedding: [N, 3, h, w] -> [N, 1 + gh·gw, width].
at::Tensor EmbedPatches(const checkpoint::VisionTowerWeights& vision, const at::Tensor& images) {
  const int64_t patch = vision.conv1_weight.size(-1);
  at::Tensor patches = at::conv2d(images, vision.conv1_weight, /*bias=*/{}, /*stride=*/patch);
  const int64_t n = patches.size(0), width = patches.size(1);
  const int64_t rows = patches.size(2), cols = patches.size(3);
  at::Tensor tokens = patches.flatten(2).transpose(1, 2);  // [N, rows*cols, width], row-major
  at::Tensor cls =
      vision.class_embedding.to(tokens.scalar_type()).view({1, 1, width}).expand({n, 1, width});
  at::Tensor positional = InterpolatePositionalEmbedding(vision.positional_embedding, rows, cols);
  return at::cat({cls, tokens}, 1) + positional.to(tokens.scalar_type());
}

}  // namespace

at::Tensor ItaclipVisionForward(const checkpoint::ClipWeights& weights, const at::Tensor& images,
                                std::optional<SelfSelfAttentionMode> mode) {
  const checkpoint::VisionTowerWeights& vision = weights.vision;
  const int64_t heads = weights.config.vision_heads;
  const int64_t last = static_cast<int64_t>(vision.blocks.size()) - 1;
  const bool weighted = mode.value_or(DefaultSelfSelfAttentionMode(images.device().type())) ==
                        SelfSelfAttentionMode::kWeightedAttentions;
  at::Tensor x =
      LayerNormFp32(EmbedPatches(vision, images), vision.ln_pre_weight, vision.ln_pre_bias);

  at::Tensor mid_sum;                // kMaterialized: running sum of the mid blocks' maps
  std::vector<HeadQueryKey> mid_qk;  // kWeightedAttentions: the mid blocks' q and k
  for (int64_t i = 0; i < last; ++i) {
    const bool is_mid = std::find(std::begin(kItaclipMidBlocks), std::end(kItaclipMidBlocks), i) !=
                        std::end(kItaclipMidBlocks);
    at::Tensor map;
    HeadQueryKey qk;
    x = ResidualBlockForward(x, vision.blocks[i], heads, /*causal=*/false,
                             is_mid && !weighted ? &map : nullptr,
                             is_mid && weighted ? &qk : nullptr);
    if (is_mid && weighted) mid_qk.push_back(std::move(qk));
    if (is_mid && !weighted) mid_sum = mid_sum.defined() ? mid_sum.add_(map) : map;
  }
  if (weighted) {
    x = ItaclipLastBlockForwardWeighted(x, vision.blocks[last], heads, mid_qk);
  } else {
    const double mid_count = static_cast<double>(std::size(kItaclipMidBlocks));
    x = ItaclipLastBlockForward(x, vision.blocks[last], heads, mid_sum.div_(mid_count));
  }
  return at::matmul(LayerNormFp32(x, vision.ln_post_weight, vision.ln_post_bias), vision.proj);
}

}  // namespace itaclip::clip
