#include "core/checkpoint/assemble_clip_weights.h"

#include <ATen/ATen.h>

#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/common/torch_error_guard.h"

namespace itaclip::checkpoint {
namespace {

class Converter {
 public:
  Converter(const StateDict& dict, const LoadOptions& options) : dict_(dict), options_(options) {}

  // A matrix weight or its bias, in the compute dtype.
  at::Tensor Matrix(const std::string& key) const { return Convert(key, options_.dtype); }
  // A tensor CLIP keeps in fp32 whatever the compute dtype.
  at::Tensor Float32(const std::string& key) const { return Convert(key, at::kFloat); }

  ResidualBlockWeights Block(const std::string& prefix) const {
    ResidualBlockWeights block;
    block.ln_1_weight = Float32(prefix + "ln_1.weight");
    block.ln_1_bias = Float32(prefix + "ln_1.bias");
    block.in_proj_weight = Matrix(prefix + "attn.in_proj_weight");
    block.in_proj_bias = Matrix(prefix + "attn.in_proj_bias");
    block.out_proj_weight = Matrix(prefix + "attn.out_proj.weight");
    block.out_proj_bias = Matrix(prefix + "attn.out_proj.bias");
    block.ln_2_weight = Float32(prefix + "ln_2.weight");
    block.ln_2_bias = Float32(prefix + "ln_2.bias");
    block.fc_weight = Matrix(prefix + "mlp.c_fc.weight");
    block.fc_bias = Matrix(prefix + "mlp.c_fc.bias");
    block.proj_weight = Matrix(prefix + "mlp.c_proj.weight");
    block.proj_bias = Matrix(prefix + "mlp.c_proj.bias");
    return block;
  }

 private:
  at::Tensor Convert(const std::string& key, at::ScalarType dtype) const {
    // at() and not find(): validation guarantees the key, and a lapse throws
    // into GuardTorch.
    return dict_.at(key).to(options_.device, dtype).contiguous();
  }

  const StateDict& dict_;
  const LoadOptions& options_;
};

}  // namespace

absl::StatusOr<ClipWeights> AssembleClipWeights(const StateDict& openai_named,
                                                const ClipConfig& config,
                                                const LoadOptions& options) {
  if (options.dtype != at::kFloat && options.dtype != at::kHalf && options.dtype != at::kBFloat16) {
    return absl::InvalidArgumentError(absl::StrCat("compute dtype ", c10::toString(options.dtype),
                                                   " is not supported (Float, Half, BFloat16)"));
  }
  return GuardTorch("assembling CLIP weights", [&]() -> absl::StatusOr<ClipWeights> {
    const Converter convert(openai_named, options);
    ClipWeights weights;
    weights.config = config;

    VisionTowerWeights& vision = weights.vision;
    vision.conv1_weight = convert.Matrix("visual.conv1.weight");
    vision.class_embedding = convert.Float32("visual.class_embedding");
    vision.positional_embedding = convert.Float32("visual.positional_embedding");
    vision.ln_pre_weight = convert.Float32("visual.ln_pre.weight");
    vision.ln_pre_bias = convert.Float32("visual.ln_pre.bias");
    for (int64_t i = 0; i < config.vision_layers; ++i) {
      vision.blocks.push_back(convert.Block(absl::StrCat("visual.transformer.resblocks.", i, ".")));
    }
    vision.ln_post_weight = convert.Float32("visual.ln_post.weight");
    vision.ln_post_bias = convert.Float32("visual.ln_post.bias");
    vision.proj = convert.Matrix("visual.proj");

    TextTowerWeights& text = weights.text;
    text.token_embedding = convert.Float32("token_embedding.weight");
    text.positional_embedding = convert.Float32("positional_embedding");
    for (int64_t i = 0; i < config.text_layers; ++i) {
      text.blocks.push_back(convert.Block(absl::StrCat("transformer.resblocks.", i, ".")));
    }
    text.ln_final_weight = convert.Float32("ln_final.weight");
    text.ln_final_bias = convert.Float32("ln_final.bias");
    text.text_projection = convert.Matrix("text_projection");
    return weights;
  });
}

}  // namespace itaclip::checkpoint
